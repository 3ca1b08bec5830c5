"""Drawing, sitting, submitting and reviewing exams (services and pages)."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.thesaurus.keypoints import example_phrase
from quizzes.models import (
    EXAM_USAGES,
    AnswerRecord,
    Attempt,
    AttemptQuestion,
    Exam,
    ExclusionGroup,
    Question,
    QuestionCategory,
    QuestionType,
    WrongAnswer,
)
from quizzes.papers import services
from quizzes.papers.drawing import DrawError, draw_paper
from tests.quizzes.factories import make_blueprint, make_exam, single_choice_exam

pytestmark = pytest.mark.django_db


def seeded_exam() -> Exam:
    return Exam.objects.get(title="综合知识模拟考试")


def right_response(item: AttemptQuestion):
    key = item.answer_key
    return {
        "single": lambda: key[0],
        "multiple": lambda: key,
        "truefalse": lambda: key[0],
        "fill": lambda: [alternatives[0] for alternatives in key],
        "short": lambda: "；".join(example_phrase(point) for point in key),
    }[item.type]()


# Drawing ------------------------------------------------------------------------------------


def test_draw_is_reproducible_from_the_seed():
    blueprint = seeded_exam().blueprint
    first = draw_paper(blueprint=blueprint, seed=12345)
    again = draw_paper(blueprint=blueprint, seed=12345)
    other = draw_paper(blueprint=blueprint, seed=54321)
    signature = [(d.question.pk, tuple(d.option_order)) for d in first]
    assert signature == [(d.question.pk, tuple(d.option_order)) for d in again]
    assert signature != [(d.question.pk, tuple(d.option_order)) for d in other]
    # 41 single questions and two case-analysis materials of four or five sub-questions each.
    subquestions = [d for d in first if d.material is not None]
    assert len(first) - len(subquestions) == 41
    assert len({d.material.pk for d in subquestions}) == 2 and 8 <= len(subquestions) <= 10
    assert sum(d.score for d in first) == Decimal(100)


def test_draw_never_repeats_a_question_even_when_sections_overlap():
    # Nearly the whole pool: the exclusion groups (which would forbid that) are not the point here.
    ExclusionGroup.objects.all().delete()
    pool = Question.objects.filter(
        type=QuestionType.TRUE_FALSE, status="active", material__isnull=True
    ).count()
    first, second = pool // 2, pool - pool // 2 - 3
    blueprint = make_blueprint(
        ("甲", [QuestionType.TRUE_FALSE], first, 1),
        ("乙", [QuestionType.TRUE_FALSE], second, 1),
        question_usages=[],  # any use: the whole pool
    )
    drawn = draw_paper(blueprint=blueprint, seed=7)
    ids = [d.question.pk for d in drawn]
    assert len(ids) == len(set(ids)) == first + second


def test_too_small_pool_names_the_section_and_the_shortfall():
    available = Question.objects.filter(
        type=QuestionType.FILL, status="active", usage__in=EXAM_USAGES, material__isnull=True
    ).count()
    blueprint = make_blueprint(("填空大题", [QuestionType.FILL], available + 5, 1))
    exam = make_exam(blueprint)
    with pytest.raises(DrawError) as error:
        draw_paper(blueprint=blueprint, seed=1)
    assert f"大题“填空大题”题目不足：需要 {available + 5} 道" in str(error.value)
    assert "还差 5 道" in str(error.value)
    with pytest.raises(DrawError):
        services.start_attempt(exam=exam, user=None, now=timezone.now())
    assert not Attempt.objects.filter(exam=exam).exists()


def test_retired_and_draft_questions_are_not_drawn():
    category = QuestionCategory.for_path("测试分类")
    for status in ["retired", "draft"]:
        Question.objects.create(
            code=f"t-{status}",
            type="truefalse",
            stem="题",
            answer=[True],
            category=category,
            status=status,
        )
    blueprint = make_blueprint(("甲", [], 1, 1))
    section = blueprint.sections.first()
    section.categories.add(category)
    section.save()
    with pytest.raises(DrawError, match="只有 0 道"):
        draw_paper(blueprint=blueprint, seed=1)


def test_draw_prefers_questions_the_person_has_seen_least(staff_user):
    pool = list(Question.objects.filter(type=QuestionType.SINGLE, status="active"))
    seen, unseen = pool[:-10], pool[-10:]
    AnswerRecord.objects.bulk_create(
        [
            AnswerRecord(user=staff_user, question=q, origin="practice", is_correct=True)
            for q in seen
        ]
    )
    blueprint = make_blueprint(("单选", [QuestionType.SINGLE], 10, 1))
    drawn = draw_paper(blueprint=blueprint, seed=99, user=staff_user)
    assert {d.question.pk for d in drawn} == {q.pk for q in unseen}


def test_category_filter_includes_subcategories():
    parent = QuestionCategory.for_path("部门题库")
    child = QuestionCategory.for_path("部门题库/抢修")
    Question.objects.create(
        code="t-child", type="truefalse", stem="子分类题", answer=[True], category=child
    )
    blueprint = make_blueprint(("甲", [], 1, 1))
    section = blueprint.sections.first()
    section.categories.add(parent)
    section.save()
    assert draw_paper(blueprint=blueprint, seed=3)[0].question.code == "t-child"


# Sitting ------------------------------------------------------------------------------------


def test_start_snapshots_the_paper_and_resumes(staff_user):
    exam = seeded_exam()
    now = timezone.now()
    attempt = services.start_attempt(exam=exam, user=staff_user, now=now)
    assert attempt.max_score == Decimal(100)
    assert attempt.question_count == attempt.questions.count() > 41
    assert attempt.deadline_at == now + timedelta(minutes=60)
    assert services.start_attempt(exam=exam, user=staff_user, now=now).pk == attempt.pk
    assert Attempt.objects.filter(exam=exam, user=staff_user).count() == 1


def test_snapshot_survives_editing_retiring_and_deleting_the_question(staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    item = attempt.questions.get(position=1)
    original = (item.stem, item.options, item.answer_key)
    question = item.question
    question.stem = "改过的题干"
    question.options = ["甲", "乙", "丙", "丁"]
    question.status = "retired"
    question.save()
    item.refresh_from_db()
    assert (item.stem, item.options, item.answer_key) == original
    question.delete()
    item.refresh_from_db()
    assert item.question is None and item.stem == original[0]


def test_saved_answers_survive_a_new_login(client, staff_user):
    exam = single_choice_exam(5)
    client.force_login(staff_user)
    response = client.post(f"/exams/{exam.pk}/start/")
    attempt = Attempt.objects.get(exam=exam, user=staff_user)
    assert response["Location"] == attempt.get_absolute_url()
    save = client.post(
        f"/attempts/{attempt.public_id}/answers/",
        json.dumps({"position": 2, "response": 1}),
        content_type="application/json",
    )
    assert save.status_code == 200 and save.json()["saved"] is True
    client.logout()
    client.force_login(staff_user)
    client.post(f"/exams/{exam.pk}/start/")  # resumes rather than drawing again
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert html.count("checked") == 1 and 'name="q2" value="1" checked' in html
    assert "已保存" in html


def test_late_answers_are_refused_and_the_attempt_submitted(staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(2), user=staff_user, now=timezone.now()
    )
    late = attempt.deadline_at + services.SAVE_GRACE + timedelta(seconds=1)
    with pytest.raises(services.AnswerRefused, match="考试时间已到"):
        services.save_answer(attempt_id=attempt.pk, position=1, raw_response=0, now=late)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.auto_submitted
    assert attempt.questions.get(position=1).response is None


def test_a_save_within_the_grace_period_is_kept(staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(2), user=staff_user, now=timezone.now()
    )
    services.save_answer(
        attempt_id=attempt.pk,
        position=1,
        raw_response=0,
        now=attempt.deadline_at + timedelta(seconds=5),
    )
    assert attempt.questions.get(position=1).response == 0


def test_answers_outside_the_paper_and_malformed_answers_are_refused(client, staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(2), user=staff_user, now=timezone.now()
    )
    client.force_login(staff_user)
    url = f"/attempts/{attempt.public_id}/answers/"
    for payload, message in [
        ({"position": 3, "response": 0}, "该题不在您的试卷中"),
        ({"position": 1, "response": 9}, "所选选项不存在"),
        ({"position": 1, "response": "A"}, "所选选项不存在"),
    ]:
        reply = client.post(url, json.dumps(payload), content_type="application/json")
        assert reply.status_code == 409 and message in reply.json()["error"]
    reply = client.post(url, "not json", content_type="application/json")
    assert reply.status_code == 400 and "请求格式不正确" in reply.json()["error"]
    assert not attempt.questions.exclude(response=None).exists()


def test_another_persons_attempt_is_not_found(client, staff_user, team_leader):
    attempt = services.start_attempt(
        exam=single_choice_exam(2), user=staff_user, now=timezone.now()
    )
    client.force_login(team_leader)
    for url in [attempt.get_absolute_url(), f"/attempts/{attempt.public_id}/result/"]:
        assert client.get(url).status_code == 404
    reply = client.post(
        f"/attempts/{attempt.public_id}/answers/",
        json.dumps({"position": 1, "response": 0}),
        content_type="application/json",
    )
    assert reply.status_code == 404
    assert client.post(f"/attempts/{attempt.public_id}/submit/").status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_paper_page_and_saves_never_carry_the_answer_key(client, staff_user):
    exam = make_blueprint(("填空", [QuestionType.FILL], 5, 1), ("简答", [QuestionType.SHORT], 3, 5))
    attempt = services.start_attempt(exam=make_exam(exam), user=staff_user, now=timezone.now())
    client.force_login(staff_user)
    page = client.get(attempt.get_absolute_url()).content.decode()
    # The questions, not the site's header and menus (站内通知 holds the key 通知).
    html = page[page.index('id="q1"') : page.index('id="paper-end"')]
    stems = " ".join(attempt.questions.values_list("stem", flat=True))
    for item in attempt.questions.all():
        if item.type == "fill":
            secrets = [alt for alts in item.answer_key for alt in alts]
            shortest = 2  # Chinese answers only: digits like "20" occur in any page
        else:  # key points: "a|b + c ×2", stored as text or {"point": …, "weight": …}
            points = [p["point"] if isinstance(p, dict) else p for p in item.answer_key]
            secrets = [part.strip() for point in points for part in re.split(r"[|+×]", point)]
            shortest = 4  # a two-character part (客户, 电话) may be any page's own word
        for secret in secrets:
            if len(re.findall(r"[\u4e00-\u9fff]", secret)) >= shortest and secret not in stems:
                assert secret not in html, secret
        if item.explanation and len(item.explanation) > 10:
            assert item.explanation not in html


def test_submitting_twice_gives_one_result(staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(4), user=staff_user, now=timezone.now()
    )
    for item in attempt.questions.all():
        services.save_answer(
            attempt_id=attempt.pk,
            position=item.position,
            raw_response=right_response(item),
            now=timezone.now(),
        )
    first = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    second = services.submit_attempt(
        attempt_id=attempt.pk, now=timezone.now() + timedelta(minutes=1)
    )
    assert first.score == second.score == Decimal(4)
    assert second.submitted_at == first.submitted_at
    assert AnswerRecord.objects.filter(user=staff_user, origin="exam").count() == 4


def test_attempts_allowed_and_exam_window(staff_user):
    exam = single_choice_exam(2)  # one attempt allowed by default
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    with pytest.raises(services.ExamError, match="允许作答 1 次，您已用完"):
        services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    later = single_choice_exam(2)
    later.opens_at = timezone.now() + timedelta(days=1)
    later.save()
    with pytest.raises(services.ExamError, match="考试尚未开始"):
        services.start_attempt(exam=later, user=staff_user, now=timezone.now())
    closed = single_choice_exam(2)
    closed.closes_at = timezone.now() - timedelta(minutes=1)
    closed.save()
    with pytest.raises(services.ExamError, match="考试已结束"):
        services.start_attempt(exam=closed, user=staff_user, now=timezone.now())
    draft = single_choice_exam(2)
    draft.status = Exam.Status.DRAFT
    draft.save()
    with pytest.raises(services.ExamError, match="未发布"):
        services.start_attempt(exam=draft, user=staff_user, now=timezone.now())


def test_deadline_is_capped_by_the_exam_closing_time(staff_user):
    exam = single_choice_exam(2)
    exam.closes_at = timezone.now() + timedelta(minutes=10)
    exam.save()
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    assert attempt.deadline_at == exam.closes_at


def test_partial_credit_blueprint(staff_user):
    blueprint = make_blueprint(("多选", [QuestionType.MULTIPLE], 1, 4), multiple_scoring="partial")
    attempt = services.start_attempt(exam=make_exam(blueprint), user=staff_user, now=timezone.now())
    item = attempt.questions.get()
    subset = item.answer_key[:-1]
    services.save_answer(attempt_id=attempt.pk, position=1, raw_response=subset, now=timezone.now())
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    expected = (Decimal(4) * len(subset) / len(item.answer_key)).quantize(Decimal("0.01"))
    assert attempt.score == expected


def test_short_answers_wait_for_marking_and_regrade(staff_user, team_leader):
    blueprint = make_blueprint(
        ("判断", [QuestionType.TRUE_FALSE], 2, 5), ("简答", [QuestionType.SHORT], 1, 10)
    )
    attempt = services.start_attempt(exam=make_exam(blueprint), user=staff_user, now=timezone.now())
    short = attempt.questions.get(type="short")
    first_point = short.answer_key[0]  # text, or {"point": …, "weight": …} when weighted
    services.save_answer(
        attempt_id=attempt.pk,
        position=short.position,
        raw_response=first_point["point"] if isinstance(first_point, dict) else first_point,
        now=timezone.now(),
    )
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    assert attempt.status == Attempt.Status.PENDING_REVIEW and attempt.passed is None
    short.refresh_from_db()
    assert short.needs_review and short.marking[0]["matched"]
    with pytest.raises(services.ExamError, match="每个要点都要给出评判"):
        services.mark_short_answer(
            item_id=short.pk, reviewer=team_leader, decisions=[], now=timezone.now()
        )
    decisions = [(True, "答到了")] * len(short.marking)
    attempt = services.mark_short_answer(
        item_id=short.pk, reviewer=team_leader, decisions=decisions, now=timezone.now()
    )
    short.refresh_from_db()
    assert short.awarded == 10 and not short.needs_review and short.reviewed_by == team_leader
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == 10 + sum(q.awarded for q in attempt.questions.filter(type="truefalse"))
    # A second reviewer arriving after the first is told, and changes nothing.
    with pytest.raises(services.ExamError, match="已由他人阅卷"):
        services.mark_short_answer(
            item_id=short.pk, reviewer=team_leader, decisions=decisions, now=timezone.now()
        )


def test_exam_mistakes_go_to_the_wrong_answer_book(staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    first = attempt.questions.get(position=1)
    wrong = (first.answer_key[0] + 1) % len(first.options)
    services.save_answer(attempt_id=attempt.pk, position=1, raw_response=wrong, now=timezone.now())
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    entries = WrongAnswer.objects.filter(user=staff_user)
    assert set(entries.values_list("question_id", flat=True)) == set(
        attempt.questions.values_list("question_id", flat=True)
    )  # unanswered questions count as wrong too


# Review --------------------------------------------------------------------------------------


def submitted_attempt(user, **blueprint_options):
    blueprint = make_blueprint(("单选", [QuestionType.SINGLE], 3, 1), **blueprint_options)
    exam = make_exam(blueprint, closes_at=timezone.now() + timedelta(days=1))
    attempt = services.start_attempt(exam=exam, user=user, now=timezone.now())
    return services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())


def test_review_shows_answers_and_links_when_allowed(client, staff_user):
    attempt = submitted_attempt(staff_user)
    client.force_login(staff_user)
    html = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "正确答案：" in html and "解析：" in html
    assert "/knowledge/" in html or "/cases/" in html
    assert attempt.rules["fail_text"] in html


def test_review_hides_answers_until_the_exam_closes(client, staff_user):
    attempt = submitted_attempt(staff_user, answers_shown="close")
    client.force_login(staff_user)
    html = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "正确答案：" not in html and "解析：" not in html
    # Correctness would narrow the key down too: it waits for the close as well.
    assert "逐题回顾" not in html and "✘ 错误" not in html
    assert "结束作答后公布" in html
    for item in attempt.questions.all():
        assert item.explanation[:20] not in html
    attempt.exam.closes_at = timezone.now() - timedelta(seconds=1)
    attempt.exam.save()
    html = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "正确答案：" in html


def test_score_only_review(client, staff_user):
    attempt = submitted_attempt(staff_user, review_visibility="score")
    client.force_login(staff_user)
    html = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "得分" in html and "逐题回顾" not in html


def test_exam_list_states(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/exams/").content.decode()
    assert "综合知识模拟考试" in html and "可参加" in html and "开始考试" in html


# Query bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 100])
def test_paper_save_and_submit_use_a_fixed_number_of_queries(
    client, staff_user, size, django_assert_max_num_queries
):
    exam = single_choice_exam(size)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    client.force_login(staff_user)
    client.get(attempt.get_absolute_url())
    with django_assert_max_num_queries(8):
        assert client.get(attempt.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(8):
        reply = client.post(
            f"/attempts/{attempt.public_id}/answers/",
            json.dumps({"position": size, "response": 0}),
            content_type="application/json",
        )
    assert reply.json()["saved"]
    with django_assert_max_num_queries(13):
        client.post(f"/attempts/{attempt.public_id}/submit/")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    with django_assert_max_num_queries(14):
        assert client.get(f"/attempts/{attempt.public_id}/result/").status_code == 200
