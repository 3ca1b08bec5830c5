"""The monthly record after a submit is recomputed by a background job (issue 21, item 1): the
submit request queues one job and costs no more than a mock exam's submit but that one INSERT;
the worker's run updates the record naming the candidate; a second run changes nothing; a
submitted month still holds the score (HeldScoreChange) instead of changing it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessment import services as assessment
from assessment.listeners import records_at_once, refresh_exam_record
from assessment.models import AssessmentRecord, AuditEntry, HeldScoreChange
from portal.months import month_of
from portal.organisation.models import Unit
from quizzes.models import Attempt, Exam, QuestionType
from quizzes.papers import scheduling, services
from tests.quizzes.factories import make_blueprint, make_exam
from tests.worker import run_queue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def records_in_background(settings):
    settings.ASSESSMENT_RECORDS_IN_BACKGROUND = True


def blueprint(name: str):
    return make_blueprint(("判断", [QuestionType.TRUE_FALSE], 4, 25), name=name)


def monthly_exam(team_leader):
    now = timezone.now()
    plan = scheduling.ExamPlan(
        title="本月月度考试",
        blueprint=blueprint("月度组卷"),
        month=month_of(now),
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        units=[Unit.objects.get(code="CG-YYT-2")],
        people=[],
    )
    return scheduling.schedule_exam(by=team_leader, plan=plan, publish=True)


def answered(exam, user, right: int) -> Attempt:
    attempt = services.start_attempt(exam=exam, user=user, now=timezone.now())
    for item in attempt.questions.order_by("position")[:right]:
        services.save_answer(
            attempt_id=attempt.pk,
            position=item.position,
            raw_response=item.answer_key[0],
            now=timezone.now(),
        )
    return attempt


def submit_through_the_page(client, attempt) -> int:
    """POST 交卷 as the page does; the number of queries the request made."""
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/attempts/{attempt.public_id}/submit/")
    assert response.status_code == 302
    return len(captured)


def record_jobs() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=refresh_exam_record.module_path))


def test_a_monthly_submit_queues_one_job_and_costs_what_a_mock_submit_does(
    client, team_leader, staff_user
):
    client.force_login(staff_user)
    mock = answered(make_exam(blueprint("模拟组卷")), staff_user, right=3)
    submit_through_the_page(client, mock)  # warm: the session's first request writes it
    mock = answered(make_exam(blueprint("模拟组卷二")), staff_user, right=3)
    mock_queries = submit_through_the_page(client, mock)
    assert record_jobs() == []

    attempt = answered(monthly_exam(team_leader), staff_user, right=3)
    monthly_queries = submit_through_the_page(client, attempt)
    # The job's INSERT, nothing of the record (a mock exam's answers enter the wrong-answer book
    # at once, a monthly exam's only when its results are released: fewer queries here).
    assert monthly_queries <= mock_queries + 1
    assert not AssessmentRecord.objects.filter(profile__user=staff_user).exists()
    (job,) = record_jobs()
    assert job.status == "READY" and job.backend_name == "background"

    # The grading itself (submit_attempt) stays within 10 queries for a monthly exam too.
    second = answered(
        make_exam(blueprint("模拟组卷三"), month=month_of(timezone.now())), staff_user, 2
    )
    with CaptureQueriesContext(connection) as captured:
        services.submit_attempt(attempt_id=second.pk, now=timezone.now())
    assert len(captured) <= 10


def test_the_worker_updates_the_record_naming_the_candidate_and_a_rerun_changes_nothing(
    team_leader, staff_user
):
    exam = monthly_exam(team_leader)
    services.submit_attempt(attempt_id=answered(exam, staff_user, right=3).pk, now=timezone.now())
    assert run_queue() == 1
    record = AssessmentRecord.objects.get(profile__user=staff_user, month=exam.month)
    assert record.exam_state == "graded" and record.exam_score == Decimal("75.00")
    entry = record.audit_entries.get(field="exam_score")
    assert entry.changed_by == staff_user and entry.changed_by_job == "考生交卷"
    assert "考试计分：本月月度考试" in entry.reason

    # The same job again (a retry, a duplicate): the record and its audit stay as they are.
    (job,) = record_jobs()
    refresh_exam_record.enqueue(**job.args_kwargs["kwargs"])
    audits = AuditEntry.objects.count()
    assert run_queue() == 1
    again = AssessmentRecord.objects.get(pk=record.pk)
    assert again.version == record.version and AuditEntry.objects.count() == audits
    assert [job.status for job in record_jobs()] == ["SUCCESSFUL", "SUCCESSFUL"]


def test_a_submitted_month_holds_the_score_once_however_often_the_job_runs(team_leader, staff_user):
    exam = monthly_exam(team_leader)
    profile = staff_user.staff_profile
    before = assessment.record_for(profile=profile, month=exam.month)
    assessment.submit_month(unit=profile.unit, month=exam.month, by=team_leader, reason="月底提交")
    services.submit_attempt(attempt_id=answered(exam, staff_user, right=2).pk, now=timezone.now())
    (job,) = record_jobs()
    refresh_exam_record.enqueue(**job.args_kwargs["kwargs"])
    assert run_queue() == 2
    after = AssessmentRecord.objects.get(pk=before.pk)
    assert (after.exam_score, after.version) == (before.exam_score, before.version)
    held = HeldScoreChange.objects.get(record=after)  # one, though the job ran twice
    assert held.status == "pending" and held.month_status == "submitted"
    assert held.exam_score == Decimal("50.00") and held.caused_by == staff_user


def test_inside_records_at_once_the_record_is_recomputed_without_a_job(team_leader, staff_user):
    exam = monthly_exam(team_leader)
    with records_at_once():
        services.submit_attempt(
            attempt_id=answered(exam, staff_user, right=4).pk, now=timezone.now()
        )
    assert record_jobs() == []
    record = AssessmentRecord.objects.get(profile__user=staff_user, month=exam.month)
    assert record.exam_score == Decimal("100.00")


def test_the_load_tests_check_waits_for_the_record_jobs_then_checks_the_records(
    monkeypatch, team_leader, staff_user
):
    from tools.loadtesting import load_exam

    monkeypatch.setattr(load_exam, "RECORD_JOBS_WAIT_SECONDS", 0)
    exam = monthly_exam(team_leader)
    attempt = answered(exam, staff_user, right=3)
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    # As tests/load/end_exam.py does: the window closes and the results are released.
    Exam.objects.filter(pk=exam.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert services.release_due_results(now=timezone.now()) == 1
    submitted = [str(attempt.public_id)]
    before = load_exam.verify_load_run(exam_id=exam.pk, events=[], submitted=submitted)
    assert not before.ok and before.records_checked == 0
    assert any("仍有 1 个记录任务未完成" in problem for problem in before.grading_problems)

    assert run_queue() == 1  # the worker drains the queue
    after = load_exam.verify_load_run(exam_id=exam.pk, events=[], submitted=submitted)
    assert after.ok and after.graded_once == 1 and after.records_checked == 1

    # A record that lost the exam's result is found.
    AssessmentRecord.objects.filter(profile__user=staff_user).update(exam_state="none")
    lost = load_exam.verify_load_run(exam_id=exam.pk, events=[], submitted=submitted)
    assert not lost.ok and "考核记录考试状态为 none，应为 已出分" in lost.grading_problems[0]
