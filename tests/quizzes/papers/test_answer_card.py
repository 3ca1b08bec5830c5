"""The answer card (答题卡) and flags (标记): every question numbered on the card (a case
analysis's sub-questions too), answered and flagged states kept on the server so a reload shows
them, refusals that change nothing; and where to go: 我的考试 and the home page list open exams
first, then upcoming, then finished."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Attempt, AttemptQuestion, Exam
from quizzes.papers import scheduling, services
from tests.quizzes.factories import make_exam, single_choice_exam

pytestmark = pytest.mark.django_db


def seeded_exam() -> Exam:
    return Exam.objects.get(title="综合知识模拟考试")


def flag(client, attempt, position, flagged=True):
    return client.post(
        f"/attempts/{attempt.public_id}/flags/",
        json.dumps({"position": position, "flagged": flagged}),
        content_type="application/json",
    )


def card_cell(html: str, position: int) -> str:
    found = re.search(rf'<a href="#q{position}" class="card-cell[^"]*"[^>]*>', html)
    assert found, f"no card cell for question {position}"
    return found.group(0)


@pytest.fixture
def attempt(staff_user):
    return services.start_attempt(exam=single_choice_exam(5), user=staff_user, now=timezone.now())


def test_the_card_numbers_every_question_including_case_sub_questions(client, staff_user):
    attempt = services.start_attempt(exam=seeded_exam(), user=staff_user, now=timezone.now())
    client.force_login(staff_user)
    html = client.get(attempt.get_absolute_url()).content.decode()
    items = list(attempt.questions.select_related("material").order_by("position"))
    assert 'aria-labelledby="answer-card-title"' in html and "答题卡" in html
    for item in items:
        cell = card_cell(html, item.position)
        assert f"第 {item.position} 题" in cell and "未作答" in cell
        if item.material_id:
            assert f"（材料{item.material.position}）" in cell
    sub_questions = [item for item in items if item.material_id]
    assert sub_questions, "the seeded paper holds case-analysis materials"
    # One cell per question, numbered 1..N in order, none twice.
    numbers = [int(n) for n in re.findall(r'data-card-cell="(\d+)"', html)]
    assert numbers == list(range(1, len(items) + 1))
    assert f'未作答 <b data-count="unanswered">{len(items)}</b>' in html


def test_a_flag_survives_a_reload_and_can_be_cleared(client, staff_user, attempt):
    client.force_login(staff_user)
    reply = flag(client, attempt, 2)
    assert reply.status_code == 200 and reply.json() == {
        "saved": True,
        "position": 2,
        "flagged": True,
    }
    assert AttemptQuestion.objects.get(attempt=attempt, position=2).flagged
    html = client.get(attempt.get_absolute_url()).content.decode()
    box = re.search(r'<fieldset class="card question[^"]*"[^>]*id="q2"', html).group(0)
    assert "flagged" in box
    assert 'aria-pressed="true" aria-label="标记第 2 题"' in html
    assert 'aria-pressed="false" aria-label="标记第 1 题"' in html
    assert "flagged" in card_cell(html, 2) and "已标记" in card_cell(html, 2)
    assert "flagged" not in card_cell(html, 1)
    assert '已标记 <b data-count="flagged">1</b>' in html
    # Cleared again, and the reload says so.
    assert flag(client, attempt, 2, flagged=False).json()["flagged"] is False
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert "flagged" not in card_cell(html, 2)
    assert not AttemptQuestion.objects.filter(attempt=attempt, flagged=True).exists()


def test_answered_questions_show_on_the_card_after_a_reload(client, staff_user, attempt):
    client.force_login(staff_user)
    client.post(
        f"/attempts/{attempt.public_id}/answers/",
        json.dumps({"position": 3, "response": 1}),
        content_type="application/json",
    )
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert "answered" in card_cell(html, 3) and "已作答" in card_cell(html, 3)
    assert "answered" not in card_cell(html, 4)
    assert '未作答 <b data-count="unanswered">4</b>' in html


def test_a_flag_on_a_submitted_or_voided_paper_is_refused(client, staff_user, team_leader):
    client.force_login(staff_user)
    submitted = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    services.submit_attempt(attempt_id=submitted.pk, now=timezone.now())
    reply = flag(client, submitted, 1)
    assert reply.status_code == 409
    assert reply.json() == {"saved": False, "error": "试卷已提交，不能再标记题目。"}
    assert not AttemptQuestion.objects.filter(attempt=submitted, flagged=True).exists()

    voided = services.start_attempt(exam=single_choice_exam(3), user=staff_user, now=timezone.now())
    scheduling.void_attempt(by=team_leader, attempt_id=voided.pk, reason="作弊", now=timezone.now())
    reply = flag(client, voided, 1)
    assert reply.status_code == 409 and reply.json()["error"] == "本次作答已作废，不能再标记题目。"
    assert not AttemptQuestion.objects.filter(attempt=voided, flagged=True).exists()


def test_a_flag_after_time_up_is_refused(client, staff_user, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=2))
    client.force_login(staff_user)
    reply = flag(client, attempt, 1)
    assert reply.status_code == 409 and reply.json()["error"] == "考试时间已到，不能再标记题目。"
    assert not AttemptQuestion.objects.filter(attempt=attempt, flagged=True).exists()


def test_flags_of_another_person_malformed_or_outside_the_paper(
    client, staff_user, user_by_username, attempt
):
    client.force_login(user_by_username("DL1021"))
    assert flag(client, attempt, 1).status_code == 404
    assert client.post(f"/attempts/{attempt.public_id}/flags/", {"x": 1}).status_code == 404
    client.force_login(staff_user)
    assert client.get(f"/attempts/{attempt.public_id}/flags/").status_code == 405
    for body in (
        {"position": 1},
        {"position": "一", "flagged": True},
        {"position": 1, "flagged": "yes"},
    ):
        reply = client.post(
            f"/attempts/{attempt.public_id}/flags/",
            json.dumps(body),
            content_type="application/json",
        )
        assert reply.status_code == 400 and reply.json()["error"] == "请求格式不正确，标记未保存。"
    reply = flag(client, attempt, 99)
    assert reply.status_code == 409 and reply.json()["error"] == "该题不在您的试卷中。"
    assert not AttemptQuestion.objects.filter(attempt=attempt, flagged=True).exists()


def test_a_flag_touches_only_the_flag(client, staff_user, attempt, django_assert_max_num_queries):
    client.force_login(staff_user)
    client.post(
        f"/attempts/{attempt.public_id}/answers/",
        json.dumps({"position": 1, "response": 2}),
        content_type="application/json",
    )
    before = AttemptQuestion.objects.values("position", "response", "saved_at").get(
        attempt=attempt, position=1
    )
    with django_assert_max_num_queries(8):
        assert flag(client, attempt, 1).status_code == 200
    after = AttemptQuestion.objects.values("position", "response", "saved_at").get(
        attempt=attempt, position=1
    )
    assert before == after


# Where to go ----------------------------------------------------------------------------------


@pytest.fixture
def exams_in_every_state(staff_user):
    """A finished exam (submitted), an upcoming one, one being sat and one open to start whose
    deadline is sooner than the seeded exam's (which has no window at all)."""
    now = timezone.now()
    finished = single_choice_exam(2)
    finished.title = "已交卷的考试"
    finished.save()
    services.submit_attempt(
        attempt_id=services.start_attempt(exam=finished, user=staff_user, now=now).pk, now=now
    )
    upcoming = make_exam(
        single_choice_exam(2).blueprint,
        title="明天的考试",
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
    )
    sitting = make_exam(single_choice_exam(2).blueprint, title="正在作答的考试")
    services.start_attempt(exam=sitting, user=staff_user, now=now)
    soon = make_exam(
        single_choice_exam(2).blueprint,
        title="今晚截止的考试",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=5),
    )
    return {"finished": finished, "upcoming": upcoming, "sitting": sitting, "soon": soon}


def test_my_exams_lists_open_then_upcoming_then_finished(client, staff_user, exams_in_every_state):
    client.force_login(staff_user)
    html = client.get("/exams/").content.decode()
    order = ["正在作答的考试", "今晚截止的考试", "综合知识模拟考试", "明天的考试", "已交卷的考试"]
    positions = [html.index(f"<h3>{title}</h3>") for title in order]
    assert positions == sorted(positions)
    headings = re.findall(r'<h2 class="exam-group">(.*?)</h2>', html)
    assert headings == ["正在进行", "即将开始", "已结束"]
    # No fact line starts with a separator (the seeded exam has no window at all).
    facts = re.findall(r'<p class="muted exam-facts">(.*?)</p>', html, re.S)
    assert facts and all(not re.sub(r"<[^>]+>", "", line).strip().startswith("·") for line in facts)
    assert any(re.sub(r"<[^>]+>", "", line).startswith("限时") for line in facts)


def test_home_shows_exams_to_do_with_deadlines_before_practice(
    client, staff_user, exams_in_every_state
):
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    todo = html.index("待完成的考试")
    assert todo < html.index("练习建议") < html.index('class="tiles"')
    section = html[todo : html.index("练习建议")]
    for title in ("正在作答的考试", "今晚截止的考试", "明天的考试"):
        assert title in section
    assert "已交卷的考试" not in section
    assert (
        section.index("正在作答的考试")
        < section.index("今晚截止的考试")
        < section.index("明天的考试")
    )
    assert "前交卷" in section and "截止" in section and "继续作答" in section
    # Practice is closed while a paper is open: no practice links, a word instead.
    assert "交卷后可继续练习" in html


def test_home_suggests_practice_when_no_paper_is_open(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    practice = html[html.index("练习建议") : html.index('class="tiles"')]
    assert "/practice/question/?scope=" in practice
    assert html.index("综合知识模拟考试") < html.index("练习建议")
