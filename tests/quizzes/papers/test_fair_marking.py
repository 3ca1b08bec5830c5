"""Issue 15: short answers graded by meaning in real papers; markers see the words matched, type a
score and a comment; re-marking (复核) with a reason regrades, follows the month and is logged."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import services as assessment
from assessment.models import AssessmentRecord, AuditEntry, HeldScoreChange
from portal.organisation.models import StaffProfile, Unit
from portal.thesaurus.models import ThesaurusGroup
from quizzes.models import Attempt, MarkingEvent, Question, QuestionCategory, QuestionType
from quizzes.papers import marking_services, scheduling, services
from tests.quizzes.factories import make_blueprint

pytestmark = pytest.mark.django_db
MONTH = date(2026, 11, 1)
QUEUE = "/marking/"


def short_question(code: str, points: list, **fields) -> Question:
    return Question.objects.create(
        code=code,
        type=QuestionType.SHORT,
        stem=fields.pop("stem", "检查周期分别是多久？"),
        answer=points,
        category=QuestionCategory.for_path("公平阅卷测试"),
        usage="exam",
        **fields,
    )


def monthly_paper(team_leader, question: Question, score: int = 10) -> Attempt:
    """A monthly exam for 营业二班 whose paper is this one short-answer question."""
    blueprint = make_blueprint(
        ("简答", [QuestionType.SHORT], 1, score), name=f"阅卷{question.code}"
    )
    section = blueprint.sections.get()
    section.categories.set([question.category])
    section.save()
    now = timezone.now()
    exam = scheduling.schedule_exam(
        by=team_leader,
        plan=scheduling.ExamPlan(
            title=f"{question.code}月考",
            blueprint=blueprint,
            month=MONTH,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(hours=2),
            units=[Unit.objects.get(code="CG-YYT-2")],
            people=[],
        ),
        publish=True,
    )
    staff = StaffProfile.objects.get(employee_number="DL1020").user
    return services.start_attempt(exam=exam, user=staff, now=now)


def answer_and_submit(attempt: Attempt, text: str) -> Attempt:
    services.save_answer(attempt_id=attempt.pk, position=1, raw_response=text, now=timezone.now())
    return services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())


CYCLES = ["35kV及以上 + 半年|6个月", "高危|重要 + 3个月|三个月"]


def test_paraphrase_numerals_and_synonyms_score_in_a_real_paper(team_leader):
    ThesaurusGroup.objects.create(terms=["道歉", "致歉"], use="both")
    question = short_question("fair-1", [*CYCLES, "道歉"])
    attempt = monthly_paper(team_leader, question)
    attempt = answer_and_submit(
        attempt,
        "三十五千伏及以上的客户，每六个月检查一次；高危和重要客户每三个月一次。并向客户致歉。",
    )
    item = attempt.questions.get()
    assert [entry["matched"] for entry in item.marking] == [True, True, True]
    assert item.marking[2]["found"] == ["道歉"]
    assert item.awarded == Decimal(10)


def test_swapped_cycles_do_not_score(team_leader):
    attempt = monthly_paper(team_leader, short_question("fair-2", CYCLES))
    attempt = answer_and_submit(
        attempt, "35kV及以上每3个月检查一次，高危及重要客户每半年检查一次。"
    )
    assert attempt.questions.get().awarded == 0


def test_a_missing_point_costs_its_weighted_share(team_leader):
    points = ["来有迎声", "问有答声", {"point": "去有送声", "weight": 2}]
    attempt = monthly_paper(team_leader, short_question("fair-3", points))
    attempt = answer_and_submit(attempt, "来有迎声，问有答声")
    assert attempt.questions.get().awarded == Decimal(5)  # 10 × 2 of 4


def test_an_empty_answer_scores_zero_without_error(team_leader):
    attempt = monthly_paper(team_leader, short_question("fair-4", CYCLES))
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    assert attempt.questions.get().awarded == 0


def test_a_huge_answer_is_refused_before_grading(team_leader):
    attempt = monthly_paper(team_leader, short_question("fair-5", CYCLES))
    with pytest.raises(services.AnswerRefused, match="最多填写 5000 个字"):
        services.save_answer(
            attempt_id=attempt.pk, position=1, raw_response="字" * 20_000, now=timezone.now()
        )


# Marking ------------------------------------------------------------------------------------


@pytest.fixture
def marked(team_leader, client):
    """A monthly paper whose short answer matched one of two points, marked by the team leader
    with a typed score and a comment."""
    attempt = monthly_paper(team_leader, short_question("fair-mark", CYCLES))
    attempt = answer_and_submit(attempt, "35千伏及以上的客户每半年检查一次。")
    item = attempt.questions.get()
    client.force_login(team_leader)
    page = client.get(f"{QUEUE}{item.pk}/").content.decode()
    assert "自动比对暂定 5" in page and "已答到（35kV及以上、半年）" in page
    response = client.post(
        f"{QUEUE}{item.pk}/",
        {
            "decision_0": "1",
            "decision_1": "0",
            "comment_0": "",
            "comment_1": "高危客户的周期没有答",
            "score": "6.5",
            "comment": "要点答对一半，表述清楚，酌情给分。",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    return item


def test_a_typed_score_and_comment_count_and_are_logged(marked, team_leader):
    assert marked.awarded == Decimal("6.5") and marked.marker_score == Decimal("6.5")
    assert marked.marker_comment.startswith("要点答对一半")
    event = MarkingEvent.objects.get(item=marked)
    assert (event.kind, event.old_awarded, event.new_awarded) == (
        "mark",
        Decimal(5),
        Decimal("6.5"),
    )
    record = AssessmentRecord.objects.get(profile__employee_number="DL1020", month=MONTH)
    assert record.exam_score == Decimal("65.00")


@pytest.mark.parametrize(
    "score, message",
    [
        ("11", "不能超过本题分值 10"),
        ("3.3", "以 0.5 分为单位"),
        ("-1", "不能小于 0"),
        ("x", "必须是数字"),
    ],
)
def test_bad_typed_scores_are_refused_and_change_nothing(client, team_leader, score, message):
    attempt = monthly_paper(team_leader, short_question("fair-bad", CYCLES))
    item = answer_and_submit(attempt, "没有答到").questions.get()
    client.force_login(team_leader)
    data = {"decision_0": "1", "decision_1": "1", "comment_0": "", "comment_1": "", "score": score}
    response = client.post(f"{QUEUE}{item.pk}/", data)
    assert response.status_code == 200 and message in response.content.decode()
    item.refresh_from_db()
    assert item.needs_review and not MarkingEvent.objects.filter(item=item).exists()


def test_the_staff_member_sees_the_comment_in_the_review(marked, client):
    exam = marked.attempt.exam
    type(exam).objects.filter(pk=exam.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    client.force_login(marked.attempt.user)
    html = client.get(f"/attempts/{marked.attempt.public_id}/result/").content.decode()
    assert "阅卷评语：要点答对一半" in html and "高危客户的周期没有答" in html


def remark_data(**extra) -> dict:
    data = {"decision_0": "1", "decision_1": "1", "comment_0": "", "comment_1": "", "score": ""}
    data.update(extra)
    return data


def test_a_remark_with_a_reason_regrades_updates_the_month_and_is_logged(marked, client, hr_user):
    client.force_login(hr_user)
    response = client.post(f"{QUEUE}{marked.pk}/", remark_data(reason="考生申诉，第二要点实际已答"))
    assert response.status_code == 302
    marked.refresh_from_db()
    assert marked.awarded == Decimal(10) and marked.attempt.score == Decimal(10)
    event = MarkingEvent.objects.filter(item=marked).latest("pk")
    assert (event.kind, event.by, event.old_awarded, event.new_awarded) == (
        "remark",
        hr_user,
        Decimal("6.5"),
        Decimal(10),
    )
    record = AssessmentRecord.objects.get(profile__employee_number="DL1020", month=MONTH)
    assert record.exam_score == Decimal("100.00")
    audit = AuditEntry.objects.filter(record=record, field="exam_score").latest("pk")
    assert audit.changed_by == hr_user and audit.changed_by_job.startswith("复核")
    # The marked list shows it, filterable by exam and marker.
    listing = client.get("/marking/marked/", {"marker": hr_user.pk}).content.decode()
    assert marked.attempt.exam.title in listing
    assert "没有符合条件" in client.get("/marking/marked/", {"marker": "999999"}).content.decode()


def test_a_remark_without_a_reason_changes_nothing(marked, client, team_leader):
    client.force_login(team_leader)
    response = client.post(f"{QUEUE}{marked.pk}/", remark_data(reason=" "))
    assert "复核必须写明原因" in response.content.decode()
    with pytest.raises(services.ExamError, match="复核必须写明原因"):
        marking_services.remark_short_answer(
            item_id=marked.pk,
            reviewer=team_leader,
            decisions=[(True, ""), (True, "")],
            reason="",
            now=timezone.now(),
        )
    marked.refresh_from_db()
    assert marked.awarded == Decimal("6.5")


def test_a_locked_month_refuses_a_remark(marked, client, team_leader, hr_user):
    unit = Unit.objects.get(code="CG-YYT-2")
    assessment.submit_month(unit=unit, month=MONTH, by=team_leader, reason="测试：允许不完整")
    assessment.lock_month(unit=unit, month=MONTH, by=hr_user, reason="测试：允许不完整")
    client.force_login(hr_user)
    response = client.post(f"{QUEUE}{marked.pk}/", remark_data(reason="申诉"), follow=True)
    assert "已锁定，复核不能改变该月成绩" in response.content.decode()
    marked.refresh_from_db()
    assert marked.awarded == Decimal("6.5")
    assert MarkingEvent.objects.filter(item=marked).count() == 1


def test_a_submitted_month_holds_the_remarked_score_for_hr(marked, team_leader):
    assessment.submit_month(
        unit=Unit.objects.get(code="CG-YYT-2"),
        month=MONTH,
        by=team_leader,
        reason="测试：允许不完整",
    )
    marking_services.remark_short_answer(
        item_id=marked.pk,
        reviewer=team_leader,
        decisions=[(True, ""), (True, "")],
        reason="复查要点",
        now=timezone.now(),
    )
    record = AssessmentRecord.objects.get(profile__employee_number="DL1020", month=MONTH)
    assert record.exam_score == Decimal("65.00")
    held = HeldScoreChange.objects.get(record=record, status="pending")
    assert held.exam_score == Decimal("100.00") and held.caused_by == team_leader


def test_outsiders_cannot_remark(marked, client, user_by_username):
    client.force_login(user_by_username("DL1013"))  # another team's leader
    assert client.post(f"{QUEUE}{marked.pk}/", remark_data(reason="x")).status_code == 404
    client.force_login(marked.attempt.user)  # the candidate
    assert client.post(f"{QUEUE}{marked.pk}/", remark_data(reason="x")).status_code == 403
    marked.refresh_from_db()
    assert marked.awarded == Decimal("6.5")
