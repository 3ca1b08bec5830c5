"""Issue 12: the exam cannot be gamed. Each test first plays the insider's move that used to work
(learning keys early through the result page, the wrong-answer book or practice; a scheduler
sitting his own exam; a score landing in a closed month) and asserts it now fails."""

import base64
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessment import services as assessment
from assessment.models import (
    AssessmentMonth,
    AssessmentRecord,
    AuditEntry,
    HeldScoreChange,
)
from portal.organisation.models import StaffProfile, Unit
from quizzes.models import (
    AnswerRecord,
    Attempt,
    Exam,
    Question,
    QuestionCategory,
    QuestionType,
    QuestionUsage,
    WrongAnswer,
)
from quizzes.papers import disclosure, scheduling, services
from quizzes.papers import selectors as quiz_selectors
from quizzes.practice import selectors as practice
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db
MONTH = date(2026, 11, 1)
KEY_MARKERS = ("正确答案：", "解析：")


def profile(number: str) -> StaffProfile:
    return StaffProfile.objects.select_related("unit", "user").get(employee_number=number)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def all_wrong(attempt: Attempt) -> None:
    """Answer every question wrongly (so every one would enter the wrong-answer book)."""
    for item in attempt.questions.all():
        wrong = (item.answer_key[0] + 1) % len(item.options)
        services.save_answer(
            attempt_id=attempt.pk, position=item.position, raw_response=wrong, now=timezone.now()
        )


def monthly_exam(*, by, units, policy: str = "", hours: int = 24, **plan_fields) -> Exam:
    now = timezone.now()
    plan = scheduling.ExamPlan(
        title=plan_fields.pop("title", "11月月度考试"),
        blueprint=plan_fields.pop(
            "blueprint", make_blueprint(("单选", [QuestionType.SINGLE], 4, 25), name="月考")
        ),
        month=MONTH,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=hours),
        units=units,
        people=plan_fields.pop("people", []),
        review_policy=policy,
        **plan_fields,
    )
    return scheduling.schedule_exam(by=by, plan=plan, publish=True)


def sit(exam: Exam, user, *, wrong: bool = True) -> Attempt:
    attempt = services.start_attempt(exam=exam, user=user, now=timezone.now())
    if wrong:
        all_wrong(attempt)
    return services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())


def result_html(client, attempt: Attempt) -> str:
    return client.get(f"/attempts/{attempt.public_id}/result/").content.decode()


def close(exam: Exam) -> None:
    Exam.objects.filter(pk=exam.pk).update(closes_at=timezone.now() - timedelta(seconds=1))


# 1. The result page and review ----------------------------------------------------------------


def test_monthly_result_page_shows_no_key_while_the_exam_is_open(client, team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    assert exam.review_policy == "close"  # the monthly default
    staff = profile("DL1020").user
    attempt = sit(exam, staff)
    client.force_login(staff)
    html = result_html(client, attempt)
    assert not any(marker in html for marker in KEY_MARKERS)
    assert "✘ 错误" not in html and "逐题回顾" not in html
    assert "得分" in html  # the total score is the person's own and is shown
    close(exam)
    html = result_html(client, attempt)
    assert "正确答案：" in html and "逐题回顾" in html


def test_a_monthly_exam_cannot_reveal_keys_at_submit(team_leader):
    with pytest.raises(services.ExamError, match="不能“交卷后”就公布答案"):
        monthly_exam(by=team_leader, units=[unit("CG-YYT-2")], policy="submit")
    # Even an exam row forced to 交卷后 keeps its keys while others may still be sitting.
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    Exam.objects.filter(pk=exam.pk).update(review_policy="submit")
    attempt = sit(Exam.objects.get(pk=exam.pk), profile("DL1020").user)
    viewer = profile("DL1020").user
    assert not disclosure.attempt_disclosure(
        attempt=attempt, viewer=viewer, now=timezone.now()
    ).answers


def test_a_person_with_extra_time_keeps_everyone_elses_keys_hidden(client, team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    done = sit(exam, profile("DL1020").user)
    still_sitting = services.start_attempt(
        exam=exam, user=profile("DL1021").user, now=timezone.now()
    )
    scheduling.grant_extra_time(
        by=team_leader, attempt_id=still_sitting.pk, minutes=30, now=timezone.now()
    )
    close(exam)  # the window is over, but DL1021 is still writing
    client.force_login(profile("DL1020").user)
    assert "正确答案：" not in result_html(client, done)
    services.submit_attempt(attempt_id=still_sitting.pk, now=timezone.now())
    assert "正确答案：" in result_html(client, done)


def test_an_open_makeup_or_a_sister_exam_keeps_the_keys_hidden(client, team_leader, hall_head):
    blueprint = make_blueprint(("单选", [QuestionType.SINGLE], 4, 25), name="同卷")
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")], blueprint=blueprint)
    attempt = sit(exam, profile("DL1020").user)
    close(exam)
    client.force_login(profile("DL1020").user)
    assert "正确答案：" in result_html(client, attempt)
    # The hall head opens the same blueprint for the same month to another team: hidden again.
    sister = monthly_exam(by=hall_head, units=[unit("CG-YYT-1")], blueprint=blueprint)
    assert "正确答案：" not in result_html(client, attempt)
    close(sister)
    # A make-up of the original exam, still open: hidden again.
    makeup = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")], title="补考", makeup_of=exam)
    assert "正确答案：" not in result_html(client, attempt)
    close(makeup)
    assert "正确答案：" in result_html(client, attempt)


def test_after_marking_waits_for_every_short_answer(client, team_leader):
    blueprint = make_blueprint(("简答", [QuestionType.SHORT], 1, 10), name="简答月考")
    exam = monthly_exam(
        by=team_leader, units=[unit("CG-YYT-2")], policy="marked", blueprint=blueprint
    )
    attempt = sit(exam, profile("DL1020").user, wrong=False)
    assert attempt.status == Attempt.Status.PENDING_REVIEW
    close(exam)
    client.force_login(profile("DL1020").user)
    assert "正确答案：" not in result_html(client, attempt)
    item = attempt.questions.get()
    services.mark_short_answer(
        item_id=item.pk,
        reviewer=team_leader,
        decisions=[(False, "")] * len(item.marking),
        now=timezone.now(),
    )
    assert "正确答案：" in result_html(client, attempt)


def test_never_shows_nothing_ever(client, team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")], policy="never")
    attempt = sit(exam, profile("DL1020").user)
    close(exam)
    call_command("close_exams", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client.force_login(profile("DL1020").user)
    html = result_html(client, attempt)
    assert "正确答案：" not in html and "✘ 错误" not in html and "不公布" in html
    assert not WrongAnswer.objects.filter(user=profile("DL1020").user).exists()


def test_someone_else_never_sees_a_paper_they_may_not_mark(team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    attempt = sit(exam, profile("DL1020").user)
    colleague = profile("DL1021").user
    outsider_leader = profile("DL1001").user  # leads another team
    now = timezone.now()
    assert disclosure.attempt_disclosure(attempt=attempt, viewer=colleague, now=now) == (
        disclosure.NOTHING
    )
    assert not disclosure.attempt_disclosure(
        attempt=attempt, viewer=outsider_leader, now=now
    ).answers
    assert disclosure.attempt_disclosure(attempt=attempt, viewer=team_leader, now=now).answers


# 2. The wrong-answer book ---------------------------------------------------------------------


def test_wrong_book_reveals_no_exam_key_while_the_exam_is_open(client, team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    staff = profile("DL1020").user
    attempt = sit(exam, staff)
    client.force_login(staff)
    html = client.get("/wrongbook/").content.decode()
    assert "正确答案：" not in html
    for item in attempt.questions.all():
        assert item.stem not in html
    assert not WrongAnswer.objects.filter(user=staff).exists()
    assert not AnswerRecord.objects.filter(user=staff, origin="exam").exists()
    # The exam ends; close_exams (cron) releases the answers into the book.
    close(exam)
    call_command("close_exams", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert WrongAnswer.objects.filter(user=staff).count() == 4
    html = client.get("/wrongbook/").content.decode()
    assert "正确答案：" in html
    # Released once: running the job again changes nothing.
    call_command("close_exams", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert AnswerRecord.objects.filter(user=staff, origin="exam").count() == 4


def test_progress_table_does_not_leak_exam_correctness_early(team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    staff = profile("DL1020").user
    sit(exam, staff)
    rows = practice.progress_by_category(user=staff)
    assert sum(row.answers for row in rows) == 0


# 3. Practice ----------------------------------------------------------------------------------


def practice_question(code: str, **fields) -> Question:
    fields.setdefault("type", QuestionType.SINGLE)
    fields.setdefault("stem", f"练习题 {code}")
    fields.setdefault("options", ["甲", "乙", "丙", "丁"])
    fields.setdefault("answer", [2])
    return Question.objects.create(
        code=code, category=QuestionCategory.for_path("防泄漏测试"), **fields
    )


def post_answer(client, ticket: str, choice: str = "0"):
    return client.post("/practice/answer/", {"ticket": ticket, "scope": "random", "choice": choice})


def test_practice_answers_only_the_question_it_issued(client, staff_user):
    shown = practice_question("leak-shown")
    secret = practice_question("leak-secret", usage=QuestionUsage.EXAM)
    client.force_login(staff_user)
    # The old attack: name any question id. There is no such field any more; a ticket for one
    # question cannot be edited to name another (the signature breaks).
    ticket = practice.issue_ticket(user=staff_user, question=shown)
    payload, timestamp, signature = ticket.rsplit(":", 2)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["q"] == shown.pk
    claims["q"] = secret.pk
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    forged = f"{forged_payload}:{timestamp}:{signature}"
    for raw in [forged, "", "abc", ticket[:-2] + "xx"]:
        response = post_answer(client, raw)
        assert response.status_code == 403 and "题目凭证无效" in response.content.decode()
    # Another person's ticket is not yours.
    other = practice.issue_ticket(user=profile("DL1021").user, question=shown)
    assert post_answer(client, other).status_code == 403
    assert not AnswerRecord.objects.filter(user=staff_user).exists()


def test_a_replayed_ticket_reveals_nothing(client, staff_user):
    question = practice_question("leak-replay")
    client.force_login(staff_user)
    ticket = practice.issue_ticket(user=staff_user, question=question)
    first = post_answer(client, ticket)
    assert first.status_code == 200 and "正确答案" in first.content.decode()
    again = post_answer(client, ticket, choice="2")
    assert again.status_code == 409 and "正确答案" not in again.content.decode()
    assert AnswerRecord.objects.filter(user=staff_user).count() == 1


def test_exam_only_questions_are_never_served_or_answered_in_practice(client, staff_user):
    secret = practice_question("leak-exam-only", usage=QuestionUsage.EXAM)
    client.force_login(staff_user)
    html = client.get("/practice/question/", {"scope": "category:防泄漏测试"}).content.decode()
    assert secret.stem not in html and "没有可练习的题目" in html
    # Even a validly signed ticket for it (had one ever been issued) shows nothing.
    response = post_answer(client, practice.issue_ticket(user=staff_user, question=secret))
    assert response.status_code == 403 and "考试专用" in response.content.decode()
    assert "正确答案" not in response.content.decode()
    assert secret.pk not in practice.practice_pool().values_list("pk", flat=True)


def test_practice_is_rate_limited_per_person(client, staff_user, settings):
    settings.PRACTICE_ANSWER_LIMITS = [(60, 3)]
    questions = [practice_question(f"leak-rate-{n}") for n in range(5)]
    client.force_login(staff_user)
    statuses = [
        post_answer(client, practice.issue_ticket(user=staff_user, question=q)).status_code
        for q in questions
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert AnswerRecord.objects.filter(user=staff_user).count() == 3
    refused = post_answer(client, practice.issue_ticket(user=staff_user, question=questions[4]))
    assert "答题太快" in refused.content.decode() and "正确答案" not in refused.content.decode()
    # Someone else is not slowed down by this person.
    client.force_login(profile("DL1021").user)
    other = practice.issue_ticket(user=profile("DL1021").user, question=questions[4])
    assert post_answer(client, other).status_code == 200


def test_harvesting_the_bank_through_practice_fails(client, staff_user, settings):
    """The insider's script: walk the bank, answer A, read the key. Now every exam-only question
    is out of reach and the rest comes at one question per ticket, within the rate limit."""
    settings.PRACTICE_ANSWER_LIMITS = [(60, 12)]
    client.force_login(staff_user)
    exam_only = set(Question.objects.filter(usage=QuestionUsage.EXAM).values_list("pk", flat=True))
    learned, refused = set(), 0
    for question in Question.objects.filter(status="active").order_by("pk")[:40]:
        response = client.post(
            "/practice/answer/",
            {
                "ticket": f"q={question.pk}",
                "question": question.pk,
                "scope": "random",
                "choice": "0",
            },
        )
        if "正确答案" in response.content.decode():
            learned.add(question.pk)
        else:
            refused += 1
    assert not learned and refused == 40
    for _ in range(20):  # following the tickets the pages hand out
        html = client.get("/practice/question/?scope=random").content.decode()
        match = re.search(r'name="ticket" value="([^"]+)"', html)
        if match is None:
            break
        response = post_answer(client, match.group(1))
        if response.status_code == 200:
            learned.add(practice.redeem_ticket(user=staff_user, raw=match.group(1)).question.pk)
    assert len(learned) <= 12 and not learned & exam_only


def test_practice_and_wrong_book_close_during_an_exam(client, staff_user):
    question = practice_question("leak-during-exam")
    exam = make_exam(make_blueprint(("单选", [QuestionType.SINGLE], 2, 1), name="进行中"))
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    client.force_login(staff_user)
    for url in ["/practice/", "/practice/question/?scope=random", "/wrongbook/"]:
        response = client.get(url)
        assert response.status_code == 403 and "考试期间" in response.content.decode()
    response = post_answer(client, practice.issue_ticket(user=staff_user, question=question))
    assert response.status_code == 403 and "正确答案" not in response.content.decode()
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    assert client.get("/practice/").status_code == 200


def test_marking_closes_while_the_marker_sits_an_exam(client, team_leader):
    exam = make_exam(make_blueprint(("单选", [QuestionType.SINGLE], 2, 1), name="班组长考试"))
    services.start_attempt(exam=exam, user=team_leader, now=timezone.now())
    client.force_login(team_leader)
    response = client.get("/marking/")
    assert response.status_code == 403 and "考试期间不能阅卷" in response.content.decode()


def test_monthly_blueprints_draw_only_exam_and_shared_questions(team_leader):
    category = QuestionCategory.for_path("用途测试")
    for n, usage in enumerate([QuestionUsage.PRACTICE] * 6 + [QuestionUsage.EXAM] * 3):
        Question.objects.create(
            code=f"usage-{n}",
            type=QuestionType.TRUE_FALSE,
            stem=f"用途测试题{n}",
            answer=[True],
            usage=usage,
            category=category,
        )
    blueprint = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 3, 1), name="用途")
    section = blueprint.sections.first()
    section.categories.set([category])
    section.save()  # a ParentalManyToManyField is written with its object
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")], blueprint=blueprint)
    attempt = services.start_attempt(exam=exam, user=profile("DL1020").user, now=timezone.now())
    usages = set(attempt.questions.values_list("question__usage", flat=True))
    assert usages == {QuestionUsage.EXAM}
    type(section).objects.filter(pk=section.pk).update(question_count=4)
    with pytest.raises(services.ExamError, match="题目不足"):
        monthly_exam(by=team_leader, units=[unit("CG-YYT-2")], blueprint=blueprint)


# 4. Scores respect the month ------------------------------------------------------------------


def test_the_scheduler_never_sits_his_own_exam(client, team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")], attempts_allowed=0)
    leader_profile = profile("DL1019")
    assert leader_profile.unit.code == "CG-YYT-2"  # his own team: the unit audience includes him
    assert leader_profile not in quiz_selectors.audience_profiles(exam)
    assert exam not in quiz_selectors.exams_for(team_leader)
    with pytest.raises(services.ExamError, match="不是安排给您的"):
        services.start_attempt(exam=exam, user=team_leader, now=timezone.now())
    client.force_login(team_leader)
    response = client.post(f"/exams/{exam.pk}/start/")
    assert not Attempt.objects.filter(exam=exam, user=team_leader).exists()
    assert response.status_code == 302
    # Naming himself among the people is refused outright.
    with pytest.raises(services.ExamError, match="不能参加自己安排的考试"):
        monthly_exam(by=team_leader, units=[], people=[leader_profile])


def test_the_schedulers_attempt_never_counts(team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    # Suppose a paper exists anyway (created before this fix, or by hand in the database).
    Attempt.objects.create(
        exam=exam,
        user=team_leader,
        random_seed=1,
        started_at=timezone.now(),
        deadline_at=timezone.now(),
        status=Attempt.Status.GRADED,
        score=Decimal(100),
        max_score=Decimal(100),
        passed=True,
    )
    record = assessment.refresh_exam_score(
        profile=profile("DL1019"), month=MONTH, reason="测试", by=None, job="测试"
    )
    assert record.exam_score is None and record.exam_state != "graded"


def submit_month(*codes: str, by) -> None:
    for code in codes:
        assessment.submit_month(unit=unit(code), month=MONTH, by=by, reason="测试：允许不完整")


def test_an_exam_cannot_be_scheduled_into_a_closed_month(team_leader, hall_head):
    submit_month("CG-YYT-2", by=team_leader)
    with pytest.raises(services.ExamError, match="已提交或锁定"):
        monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    # From above: the hall's audience contains the submitted team.
    with pytest.raises(services.ExamError, match="营业二班"):
        monthly_exam(by=hall_head, units=[unit("CG-YYT")])
    # Another month is fine.
    now = timezone.now()
    exam = scheduling.schedule_exam(
        by=team_leader,
        plan=scheduling.ExamPlan(
            title="12月",
            blueprint=make_blueprint(("单选", [QuestionType.SINGLE], 2, 50), name="12"),
            month=date(2026, 12, 1),
            opens_at=now,
            closes_at=now + timedelta(hours=1),
            units=[unit("CG-YYT-2")],
            people=[],
        ),
        publish=True,
    )
    assert exam.pk


def test_a_score_for_a_submitted_month_is_held_not_applied(hr_user, team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    staff = profile("DL1020")
    attempt = services.start_attempt(exam=exam, user=staff.user, now=timezone.now())
    submit_month("CG-YYT-2", by=team_leader)  # the month closes while DL1020 is still sitting
    record_before = AssessmentRecord.objects.filter(profile=staff, month=MONTH).first()
    audit_before = AuditEntry.objects.count()
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    record = AssessmentRecord.objects.get(profile=staff, month=MONTH)
    assert record.exam_score is None and record.exam_state != "graded"
    assert (record_before is None) or record.version == record_before.version
    assert AuditEntry.objects.count() == audit_before
    held = HeldScoreChange.objects.get(record=record, status="pending")
    assert held.exam_state == "graded" and held.caused_by == staff.user
    assert held.month_status == "submitted"
    # HR cannot apply it into the submitted month.
    with pytest.raises(assessment.AssessmentError, match="只能在填报中的月份"):
        assessment.decide_held_change(change_id=held.pk, by=hr_user, apply=True, note="补录")
    record.refresh_from_db()
    assert record.exam_score is None
    # Once the supervisor withdraws the submission, HR applies it; the audit names HR.
    assessment.withdraw_month(unit=unit("CG-YYT-2"), month=MONTH, by=team_leader, reason="补录")
    assessment.decide_held_change(change_id=held.pk, by=hr_user, apply=True, note="补录成绩")
    record.refresh_from_db()
    assert record.exam_state == "graded" and record.exam_score is not None
    entry = AuditEntry.objects.filter(record=record, field="exam_score").latest("pk")
    assert entry.changed_by == hr_user and "补录成绩" in entry.reason
    held.refresh_from_db()
    assert held.status == "applied" and held.decided_by == hr_user


def test_a_locked_month_refuses_scores_and_lists_them_for_hr(client, hr_user, team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    staff = profile("DL1020")
    attempt = services.start_attempt(exam=exam, user=staff.user, now=timezone.now())
    submit_month("CG-YYT-2", by=team_leader)
    assessment.lock_month(unit=unit("CG-YYT-2"), month=MONTH, by=hr_user, reason="测试：允许不完整")
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now(), auto=True)
    held = HeldScoreChange.objects.get(record__profile=staff, status="pending")
    assert held.caused_by is None and held.caused_by_job == "超时自动交卷"
    client.force_login(hr_user)
    html = client.get("/hr/held-scores/").content.decode()
    assert staff.name in html and "超时自动交卷" in html
    # The supervisor sees it too, within his scope; staff do not.
    client.force_login(team_leader)
    assert staff.name in client.get("/hr/held-scores/").content.decode()
    client.force_login(staff.user)
    assert client.get("/hr/held-scores/").status_code == 403
    # Dismissing needs a reason and writes no score.
    client.force_login(hr_user)
    response = client.post(
        f"/hr/held-scores/{held.pk}/decide/", {"decision": "dismiss", "note": ""}, follow=True
    )
    assert "请填写处理说明" in response.content.decode()
    client.post(f"/hr/held-scores/{held.pk}/decide/", {"decision": "dismiss", "note": "已核实"})
    held.refresh_from_db()
    assert held.status == "dismissed" and held.decided_by == hr_user
    assert AssessmentRecord.objects.get(profile=staff, month=MONTH).exam_score is None


def test_a_leader_cannot_decide_his_own_held_score(hall_head, team_leader, hr_user):
    exam = monthly_exam(by=hall_head, units=[unit("CG-YYT")])
    attempt = services.start_attempt(exam=exam, user=team_leader, now=timezone.now())
    submit_month("CG-YYT", by=hall_head)
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    held = HeldScoreChange.objects.get(record__profile__user=team_leader)
    with pytest.raises(assessment.AssessmentError, match="无权处理"):
        assessment.decide_held_change(change_id=held.pk, by=team_leader, apply=False, note="x")


def test_every_score_change_names_who_or_what_made_it(team_leader):
    exam = monthly_exam(by=team_leader, units=[unit("CG-YYT-2")])
    staff = profile("DL1020").user
    sit(exam, staff)
    entries = AuditEntry.objects.filter(record__profile__user=staff, field="exam_score")
    assert entries.get().changed_by == staff  # the candidate's own submit
    other = profile("DL1021").user
    attempt = services.start_attempt(exam=exam, user=other, now=timezone.now())
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now(), auto=True)
    entry = AuditEntry.objects.get(record__profile__user=other, field="exam_score")
    assert entry.changed_by is None and entry.changed_by_job == "超时自动交卷"
    assert entry.cause == "系统：超时自动交卷"
    # The database refuses an entry that names neither.
    record = AssessmentRecord.objects.get(profile__user=other, month=MONTH)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.bulk_create(
            [AuditEntry(record=record, field="x", old_value="", new_value="1", reason="?")]
        )


def test_month_states_of_units_outside_the_audience_do_not_block(team_leader):
    AssessmentMonth.objects.create(unit=unit("CG-YYT-1"), month=MONTH, status="locked")
    assert monthly_exam(by=team_leader, units=[unit("CG-YYT-2")]).pk


# Editors set the use in bulk -------------------------------------------------------------------


def test_editors_set_the_use_of_the_filtered_questions_in_bulk(client, editor_user):
    questions = [practice_question(f"bulk-usage-{n}") for n in range(3)]
    category = questions[0].category
    client.force_login(editor_user)
    url = f"/admin/quizzes/questions/set-usage/?category={category.pk}"
    page = client.get(url)
    assert page.status_code == 200 and "筛选出 <strong>3</strong> 道试题" in page.content.decode()
    assert (
        "批量设置用途"
        in client.get(f"/admin/quizzes/questions/?category={category.pk}").content.decode()
    )
    response = client.post(url, {"usage": "exam", "codes": ""}, follow=True)
    assert "已将 3 道试题的用途设为“考试专用”" in response.content.decode()
    assert set(Question.objects.filter(category=category).values_list("usage", flat=True)) == {
        "exam"
    }
    # Only the named codes; an unknown code changes nothing.
    response = client.post(url, {"usage": "practice", "codes": "bulk-usage-0, nope-1"})
    assert "nope-1" in response.content.decode()
    assert Question.objects.get(code="bulk-usage-0").usage == "exam"
    client.post(url, {"usage": "practice", "codes": "bulk-usage-0"})
    assert Question.objects.get(code="bulk-usage-0").usage == "practice"
    assert Question.objects.get(code="bulk-usage-1").usage == "exam"
    # Staff cannot reach it.
    client.force_login(profile("DL1020").user)
    client.post(url, {"usage": "both", "codes": ""})
    assert Question.objects.get(code="bulk-usage-1").usage == "exam"
