"""阅卷: supervisors mark their teams' short answers key point by key point; the paper then gets its score."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from portal.thesaurus.keypoints import example_phrase
from quizzes.models import Attempt, AttemptQuestion, Exam, QuestionType
from quizzes.papers import services
from quizzes.papers.marking import pending_short_answers
from quizzes.templatetags.quiz_tags import points
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db

QUEUE = "/marking/"


MARKING_EXAM = "综合知识模拟考试（阅卷）"


def seeded_exam() -> Exam:
    """A mock exam over the seeded bank with exactly two short answers and no case-analysis
    material (the demo paper's shape before its case section): 20 single × 1.5, 10 multiple × 2,
    20 true/false × 1, 5 fill-in × 2, 2 short × 10."""
    exam = Exam.objects.filter(title=MARKING_EXAM).first()
    if exam is None:
        blueprint = make_blueprint(
            ("一、单项选择题", [QuestionType.SINGLE], 20, "1.5"),
            ("二、多项选择题", [QuestionType.MULTIPLE], 10, 2),
            ("三、判断题", [QuestionType.TRUE_FALSE], 20, 1),
            ("四、填空题", [QuestionType.FILL], 5, 2),
            ("五、简答题", [QuestionType.SHORT], 2, 10),
            name="阅卷测试组卷",
            time_limit_minutes=60,
        )
        exam = make_exam(blueprint, title=MARKING_EXAM)
    return exam


def sit_seeded_exam(user) -> Attempt:
    """Start, answer and submit 综合知识模拟考试 through the services, as the exam pages do.

    Single choice (20 × 1.5) and true/false (20 × 1) are answered right: 50 points. Multiple
    choice and fill-in are left empty. Each short answer (2 × 10) names only its first key point.
    """
    now = timezone.now()
    attempt = services.start_attempt(exam=seeded_exam(), user=user, now=now)
    for item in attempt.questions.all():
        if item.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
            response = item.answer_key[0]
        elif item.type == QuestionType.SHORT:
            response = f"我认为要点是：{example_phrase(item.answer_key[0])}。"
        else:
            continue
        services.save_answer(
            attempt_id=attempt.pk, position=item.position, raw_response=response, now=now
        )
    return services.submit_attempt(attempt_id=attempt.pk, now=now)


def short_items(attempt) -> list[AttemptQuestion]:
    return list(attempt.questions.filter(type=QuestionType.SHORT).order_by("position"))


def decisions(item, accept: bool, comment: str = "") -> dict:
    data = {}
    for i in range(len(item.marking)):
        data[f"decision_{i}"] = "1" if accept else "0"
        data[f"comment_{i}"] = comment
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def submitted(staff_user) -> Attempt:
    attempt = sit_seeded_exam(staff_user)
    assert attempt.status == Attempt.Status.PENDING_REVIEW
    assert attempt.passed is None
    return attempt


@pytest.fixture
def leader_client(client, team_leader):
    client.force_login(team_leader)
    return client


# The queue ------------------------------------------------------------------------------------


def test_leader_sees_the_team_members_short_answers(leader_client, submitted, staff_user):
    response = leader_client.get(QUEUE)
    assert response.status_code == 200
    items = list(response.context["page"].object_list)
    assert items == short_items(submitted)
    html = response.content.decode()
    assert staff_user.staff_profile.name in html
    assert "综合知识模拟考试" in html
    assert items[0].stem[:20] in html
    provisional = points(items[0].awarded)  # as the page writes numbers
    assert f"暂定 <b>{provisional}</b> / 10 分" in html
    assert "待阅简答题 2 道" in html


def test_the_queue_holds_only_submitted_papers_waiting_for_review(team_leader, staff_user):
    exam = seeded_exam()
    in_progress = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    assert not pending_short_answers(user=team_leader).exists()  # not submitted yet
    services.submit_attempt(attempt_id=in_progress.pk, now=timezone.now())
    assert pending_short_answers(user=team_leader).count() == 2


def test_hall_head_and_hr_see_it_but_another_team_leader_does_not(
    client, submitted, hall_head, hr_user, user_by_username
):
    expected = {item.pk for item in short_items(submitted)}
    assert {i.pk for i in pending_short_answers(user=hall_head)} == expected
    assert expected <= {i.pk for i in pending_short_answers(user=hr_user)}
    other_leader = user_by_username("DL1013")  # 班组长 of 营业一班
    assert not pending_short_answers(user=other_leader).exists()
    client.force_login(other_leader)
    assert list(client.get(QUEUE).context["page"].object_list) == []


def test_a_supervisor_never_marks_their_own_paper(client, team_leader, hall_head):
    own = sit_seeded_exam(team_leader)
    assert not pending_short_answers(user=team_leader).exists()
    client.force_login(team_leader)
    item = short_items(own)[0]
    assert client.get(f"{QUEUE}{item.pk}/").status_code == 404
    # Their own supervisor (the hall head) marks it.
    assert item in pending_short_answers(user=hall_head)


def test_the_queue_costs_the_same_queries_for_many_papers(
    client, team_leader, user_by_username, django_assert_max_num_queries
):
    sit_seeded_exam(user_by_username("DL1020"))
    client.force_login(team_leader)
    client.get(QUEUE)  # warm the permission caches of this session
    with django_assert_max_num_queries(12) as one_paper:
        client.get(QUEUE)
    for number in ["DL1021", "DL1022", "DL1023", "DL1024"]:
        sit_seeded_exam(user_by_username(number))
    with django_assert_max_num_queries(len(one_paper.captured_queries)):
        response = client.get(QUEUE)
    assert len(response.context["page"].object_list) == 10


def test_the_queue_filters_by_exam(leader_client, submitted):
    exam = seeded_exam()
    response = leader_client.get(QUEUE, {"exam": exam.pk})
    assert len(response.context["page"].object_list) == 2
    assert list(leader_client.get(QUEUE, {"exam": exam.pk + 999}).context["page"].object_list) == []
    assert list(leader_client.get(QUEUE, {"exam": "x"}).context["page"].object_list) == []


# Marking --------------------------------------------------------------------------------------


def test_mark_page_shows_question_answer_and_each_key_point(leader_client, submitted):
    item = short_items(submitted)[0]
    response = leader_client.get(f"{QUEUE}{item.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert item.stem[:20] in html
    assert item.response in html
    for entry in item.marking:
        assert entry["point"] in html
    assert html.count("自动比对：已答到") == sum(1 for e in item.marking if e["matched"])
    assert html.count("自动比对：未答到") == sum(1 for e in item.marking if not e["matched"])
    # Each decision starts at the automatic match.
    form = response.context["form"]
    assert [form[f"decision_{i}"].initial for i in range(len(item.marking))] == [
        "1" if e["matched"] else "0" for e in item.marking
    ]


def test_leader_marks_both_short_answers_and_the_paper_is_graded(
    leader_client, submitted, team_leader
):
    first, second = short_items(submitted)
    response = leader_client.post(f"{QUEUE}{first.pk}/", decisions(first, True, "要点齐全"))
    assert response.status_code == 302
    assert response.url == QUEUE
    assert any("得 10 / 10 分" in m and "还有 1 道简答题待阅" in m for m in messages_of(response))
    first.refresh_from_db()
    assert first.needs_review is False
    assert first.awarded == Decimal(10) and first.is_correct is True
    assert all(e["accepted"] is True and e["comment"] == "要点齐全" for e in first.marking)
    assert first.reviewed_by == team_leader and first.reviewed_at is not None
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.PENDING_REVIEW

    response = leader_client.post(f"{QUEUE}{second.pk}/", decisions(second, True))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.GRADED
    assert submitted.score == Decimal(70)  # 50 objective + 2 × 10
    assert submitted.passed is True
    assert any("该试卷已出分：70 分，及格" in m for m in messages_of(response))
    assert list(leader_client.get(QUEUE).context["page"].object_list) == []


def test_rejected_key_points_can_fail_the_paper(leader_client, submitted):
    for item in short_items(submitted):
        data = decisions(item, False, "未答到要点")
        assert leader_client.post(f"{QUEUE}{item.pk}/", data).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.GRADED
    assert submitted.score == Decimal(50)
    assert submitted.passed is False


def test_missing_or_nonsense_decisions_change_nothing(leader_client, submitted):
    item = short_items(submitted)[0]
    before = (list(item.marking), item.awarded)
    bad_posts = [
        {},  # nothing decided
        {"decision_0": "1"} if len(item.marking) > 1 else {"comment_0": "只写了评语"},
        {**decisions(item, True), "decision_0": "maybe"},
        {**decisions(item, True), "comment_0": "长" * 501},
    ]
    for data in bad_posts:
        response = leader_client.post(f"{QUEUE}{item.pk}/", data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "阅卷未保存" in html
        item.refresh_from_db()
        assert (item.marking, item.awarded, item.needs_review) == (*before, True)
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.PENDING_REVIEW


def test_an_item_already_marked_opens_for_a_remark_that_needs_a_reason(leader_client, submitted):
    item = short_items(submitted)[0]
    leader_client.post(f"{QUEUE}{item.pk}/", decisions(item, True))
    page = leader_client.get(f"{QUEUE}{item.pk}/").content.decode()
    assert "复核" in page and "阅卷记录" in page
    # Sent again without a reason (a second marker's stale form): refused, nothing changes.
    response = leader_client.post(f"{QUEUE}{item.pk}/", decisions(item, False))
    assert response.status_code == 200 and "复核必须写明原因" in response.content.decode()
    item.refresh_from_db()
    assert item.awarded == Decimal(10)


# Who may mark ---------------------------------------------------------------------------------


def test_another_team_leader_gets_404_and_changes_nothing(client, submitted, user_by_username):
    item = short_items(submitted)[0]
    client.force_login(user_by_username("DL1013"))
    assert client.get(f"{QUEUE}{item.pk}/").status_code == 404
    assert client.post(f"{QUEUE}{item.pk}/", decisions(item, True)).status_code == 404
    item.refresh_from_db()
    assert item.needs_review is True


@pytest.mark.parametrize("who", ["staff_user", "editor_user"])
def test_staff_and_editors_get_403_in_chinese(client, request, submitted, who):
    item = short_items(submitted)[0]
    client.force_login(request.getfixturevalue(who))
    for response in [
        client.get(QUEUE),
        client.get(f"{QUEUE}{item.pk}/"),
        client.post(f"{QUEUE}{item.pk}/", decisions(item, True)),
    ]:
        assert response.status_code == 403
        assert "只有班组长、值长和人资人员可以阅卷。" in response.content.decode()
    item.refresh_from_db()
    assert item.needs_review is True


def test_anonymous_visitors_are_sent_to_log_in(client, submitted):
    item = short_items(submitted)[0]
    for url in [QUEUE, f"{QUEUE}{item.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


def test_hr_can_mark_anyone(client, submitted, hr_user):
    client.force_login(hr_user)
    item = short_items(submitted)[0]
    response = client.post(f"{QUEUE}{item.pk}/", decisions(item, True))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.reviewed_by == hr_user
