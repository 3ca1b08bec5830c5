"""Monthly exams and assessment records: scheduling scope, scores flowing in, 缺考, entries with
audit and conflicts, the month's workflow."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from assessment import services as assessment
from assessment.models import AssessmentRecord, AssessmentScheme, AuditEntry
from assessment.scoring import composite, validate_bands
from portal.months import month_of
from portal.organisation.models import StaffProfile, Unit
from quizzes.models import Attempt, Blueprint, Exam, QuestionType
from quizzes.papers import scheduling, services
from quizzes.papers import selectors as quiz_selectors
from tests.quizzes.factories import make_blueprint

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = date(2026, 11, 1)


def profile(number: str) -> StaffProfile:
    return StaffProfile.objects.select_related("unit", "user").get(employee_number=number)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def plan(**overrides) -> scheduling.ExamPlan:
    now = timezone.now()
    fields = {
        "title": "11月月度考试",
        "blueprint": make_blueprint(("判断", [QuestionType.TRUE_FALSE], 4, 25)),
        "month": MONTH,
        "opens_at": now - timedelta(minutes=5),
        "closes_at": now + timedelta(hours=2),
        "units": [unit("CG-YYT-2")],
        "people": [],
    }
    fields.update(overrides)
    return scheduling.ExamPlan(**fields)


# Arithmetic ------------------------------------------------------------------------------------


def test_composite_grade_and_bonus_for_a_scheme():
    scheme = AssessmentScheme(name="测试")  # default weights 30/15/15/15/15/10
    values = {
        "exam_score": Decimal(80),
        "attendance_rate": Decimal(100),
        "error_rate": Decimal("0.5"),  # 100 − 0.5 × 10 = 95
        "complaint_rate": Decimal(1),  # 投诉率 1 %: 100 − 1 × 20 = 80
        "satisfaction": Decimal(90),
        "etiquette_score": Decimal(95),
    }
    result = composite(values=values, scheme=scheme)
    expected = (80 * 30 + 100 * 15 + 95 * 15 + 80 * 15 + 90 * 15 + 95 * 10) / Decimal(100)
    assert result.score == expected.quantize(Decimal("0.01")) == Decimal("88.25")
    assert result.grade == "良好" and result.bonus_coefficient == Decimal("1.0")
    values["complaint_rate"] = Decimal(9)  # floor at 0, never negative
    assert composite(values=values, scheme=scheme).score == Decimal("76.25")
    values["etiquette_score"] = None
    assert composite(values=values, scheme=scheme).score is None


def test_scheme_validation():
    scheme = AssessmentScheme(name="坏方案", unit=unit("CG"), exam_weight=50)
    with pytest.raises(ValidationError, match="权重之和必须为 100"):
        scheme.clean()
    assert validate_bands([{"name": "好", "min": 50}]) == [
        "最低一级的最低分必须为 0，使每个综合分都有等级。"
    ]
    assert "不是数字" in validate_bands([{"name": "好", "min": "x"}])[0]


def test_the_nearest_scheme_applies():
    AssessmentScheme.objects.create(unit=unit("CG"), name="公司方案")
    hall = AssessmentScheme.objects.create(unit=unit("CG-YYT"), name="营业厅方案")
    assert assessment.scheme_for(unit("CG-YYT-2")) == hall
    assert assessment.scheme_for(unit("CG-KFZX-1")).name == "公司方案"


def test_month_is_local_time():
    moment = datetime(2026, 12, 1, 7, 30, tzinfo=SHANGHAI)  # 2026-11-30 23:30 UTC
    assert month_of(moment) == date(2026, 12, 1)
    assert month_of(moment.astimezone(ZoneInfo("UTC"))) == date(2026, 12, 1)


# Scheduling ------------------------------------------------------------------------------------


def test_supervisor_schedules_only_within_scope(team_leader):
    with pytest.raises(services.ExamError, match="不在您的管辖范围内：营业一班"):
        scheduling.schedule_exam(by=team_leader, plan=plan(units=[unit("CG-YYT-1")]), publish=True)
    with pytest.raises(services.ExamError, match="胡晓燕"):
        scheduling.schedule_exam(
            by=team_leader, plan=plan(units=[], people=[profile("DL1013")]), publish=True
        )
    assert not Exam.objects.filter(title="11月月度考试").exists()
    exam = scheduling.schedule_exam(by=team_leader, plan=plan(), publish=True)
    assert exam.status == Exam.Status.PUBLISHED and exam.created_by == team_leader


def test_bad_plans_are_refused_with_reasons(team_leader):
    now = timezone.now()
    draft = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 1, 1), status=Blueprint.Status.DRAFT)
    with pytest.raises(services.ExamError) as error:
        scheduling.schedule_exam(
            by=team_leader,
            plan=plan(closes_at=now - timedelta(hours=1), units=[], blueprint=draft),
            publish=True,
        )
    message = str(error.value)
    assert "截止时间必须晚于开始时间" in message and "请至少选择" in message and "草稿" in message


def test_only_the_audience_sees_and_sits_the_exam(team_leader, staff_user, client):
    exam = scheduling.schedule_exam(by=team_leader, plan=plan(), publish=True)
    outsider = profile("DL1014").user  # 营业一班
    assert exam in quiz_selectors.exams_for(staff_user)
    assert exam not in quiz_selectors.exams_for(outsider)
    with pytest.raises(services.ExamError, match="不是安排给您的"):
        services.start_attempt(exam=exam, user=outsider, now=timezone.now())
    client.force_login(staff_user)
    assert "11月月度考试" in client.get("/exams/").content.decode()


# Scores flowing in -------------------------------------------------------------------------------


def sit(exam, user, right: int):
    attempt = services.start_attempt(exam=exam, user=user, now=timezone.now())
    for item in attempt.questions.order_by("position")[:right]:
        services.save_answer(
            attempt_id=attempt.pk,
            position=item.position,
            raw_response=item.answer_key[0],
            now=timezone.now(),
        )
    return services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())


def test_graded_exam_flows_into_the_record_with_an_audit_entry(team_leader, staff_user):
    exam = scheduling.schedule_exam(by=team_leader, plan=plan(), publish=True)
    sit(exam, staff_user, right=3)
    record = AssessmentRecord.objects.get(profile__user=staff_user, month=MONTH)
    assert record.exam_state == "graded" and record.exam_score == Decimal("75.00")
    entry = record.audit_entries.get(field="exam_score")
    # The change names who caused it: the candidate, by submitting.
    assert entry.changed_by == staff_user and entry.changed_by_job == "考生交卷"
    assert entry.new_value == "75.00" and "考试计分" in entry.reason


def test_closing_submits_open_attempts_and_records_missed(team_leader, staff_user):
    exam = scheduling.schedule_exam(by=team_leader, plan=plan(), publish=True)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    later = exam.closes_at + timedelta(minutes=5)
    summary = scheduling.close_due_exams(now=later)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.auto_submitted
    exam.refresh_from_db()
    assert exam.status == Exam.Status.CLOSED and summary.submitted == 1
    # Everyone of the team who did not sit, except the scheduler (never in his own audience).
    team = StaffProfile.objects.filter(unit__code="CG-YYT-2", user__is_active=True).exclude(
        user__in=[staff_user, team_leader]
    )
    assert summary.missed == team.count()
    missed = AssessmentRecord.objects.get(profile=team.first(), month=MONTH)
    assert missed.exam_state == "missed" and missed.exam_score == Decimal(0)


def test_close_exams_command(team_leader):
    exam = scheduling.schedule_exam(
        by=team_leader,
        plan=plan(
            opens_at=timezone.now() - timedelta(hours=3),
            closes_at=timezone.now() - timedelta(minutes=1),
        ),
        publish=True,
    )
    from io import StringIO

    out = StringIO()
    call_command("close_exams", stdout=out)
    exam.refresh_from_db()
    assert exam.status == Exam.Status.CLOSED and "结束考试 1 场" in out.getvalue()


def test_extra_time_and_void(team_leader, staff_user, hall_head):
    exam = scheduling.schedule_exam(by=team_leader, plan=plan(), publish=True)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    before = attempt.deadline_at
    attempt = scheduling.grant_extra_time(
        by=team_leader, attempt_id=attempt.pk, minutes=10, now=timezone.now()
    )
    assert attempt.deadline_at == before + timedelta(minutes=10) and attempt.extra_minutes == 10
    other_leader = profile("DL1013").user
    with pytest.raises(services.ExamError, match="不在您的管辖范围内"):
        scheduling.grant_extra_time(
            by=other_leader, attempt_id=attempt.pk, minutes=5, now=timezone.now()
        )
    with pytest.raises(services.ExamError, match="作废必须填写原因"):
        scheduling.void_attempt(by=hall_head, attempt_id=attempt.pk, reason=" ", now=timezone.now())
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    scheduling.void_attempt(
        by=hall_head, attempt_id=attempt.pk, reason="考试期间设备故障", now=timezone.now()
    )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.VOIDED and attempt.voided_by == hall_head
    record = AssessmentRecord.objects.get(profile__user=staff_user, month=MONTH)
    assert record.exam_state == "pending" and record.exam_score is None
    assert record.audit_entries.filter(reason__contains="设备故障").exists()


# Entries, audit, conflicts, the month's workflow ----------------------------------------------------


def entered_record(staff_user):
    record = assessment.record_for(profile=staff_user.staff_profile, month=MONTH)
    return AssessmentRecord.objects.get(pk=record.pk)


def test_supervisor_enters_components_with_audit(team_leader, staff_user):
    record = entered_record(staff_user)
    record = assessment.update_components(
        record_id=record.pk,
        by=team_leader,
        expected_version=record.version,
        values={
            "attendance_rate": "98",
            "error_rate": "0.5%",
            "complaints": "0",
            "satisfaction": "96",
            "etiquette_score": "92",
        },
    )
    assert record.attendance_rate == Decimal("98.00") and record.complaints == 0
    fields = set(record.audit_entries.values_list("field", flat=True))
    assert {
        "attendance_rate",
        "error_rate",
        "complaints",
        "satisfaction",
        "etiquette_score",
    } <= fields
    assert record.composite is None  # no exam score yet


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"attendance_rate": "101"}, "出勤率应在 0–100 之间"),
        ({"complaints": "1.5"}, "投诉次数应为 0–999 的整数"),
        ({"satisfaction": "很好"}, "不是数字"),
        ({"composite": "100"}, "不能录入"),
    ],
)
def test_bad_entries_change_nothing(team_leader, staff_user, values, message):
    record = entered_record(staff_user)
    with pytest.raises((ValueError, assessment.AssessmentError), match=message):
        assessment.update_components(
            record_id=record.pk, by=team_leader, values=values, expected_version=record.version
        )
    assert not record.audit_entries.exists()


def test_out_of_scope_and_stale_edits_are_refused(team_leader, staff_user):
    record = entered_record(staff_user)
    with pytest.raises(assessment.AssessmentError, match="无权修改"):
        assessment.update_components(
            record_id=record.pk,
            by=profile("DL1013").user,
            values={"complaints": 1},
            expected_version=1,
        )
    with pytest.raises(assessment.AssessmentError, match="无权修改"):
        assessment.update_components(
            record_id=record.pk, by=staff_user, values={"complaints": 0}, expected_version=1
        )
    assessment.update_components(
        record_id=record.pk, by=team_leader, values={"complaints": 1}, expected_version=1
    )
    with pytest.raises(assessment.ConflictError, match="已被他人修改"):
        assessment.update_components(
            record_id=record.pk, by=team_leader, values={"complaints": 2}, expected_version=1
        )
    assert AssessmentRecord.objects.get(pk=record.pk).complaints == 1


def test_submit_lock_and_reopen_with_audit(team_leader, staff_user, hr_user):
    team = unit("CG-YYT-2")
    record = entered_record(staff_user)
    with pytest.raises(assessment.AssessmentError, match="只有人资可以锁定"):
        assessment.lock_month(unit=team, month=MONTH, by=team_leader, reason="测试：允许不完整")
    assessment.submit_month(unit=team, month=MONTH, by=team_leader, reason="测试：允许不完整")
    with pytest.raises(assessment.AssessmentError, match="已提交，不能修改"):
        assessment.update_components(
            record_id=record.pk,
            by=team_leader,
            values={"complaints": 1},
            expected_version=record.version,
        )
    assessment.lock_month(unit=team, month=MONTH, by=hr_user, reason="测试：允许不完整")
    with pytest.raises(assessment.AssessmentError, match="只有人资可以重新开放"):
        assessment.reopen_month(unit=team, month=MONTH, by=team_leader, reason="改错")
    with pytest.raises(assessment.AssessmentError, match="必须填写原因"):
        assessment.reopen_month(unit=team, month=MONTH, by=hr_user, reason="")
    assessment.reopen_month(unit=team, month=MONTH, by=hr_user, reason="投诉数据更正")
    assessment.update_components(
        record_id=record.pk,
        by=team_leader,
        values={"complaints": 1},
        expected_version=record.version,
    )
    statuses = list(
        AuditEntry.objects.filter(month_state__unit=team)
        .order_by("pk")
        .values_list("new_value", "changed_by__username")
    )
    assert statuses == [("已提交", "DL1019"), ("已锁定", "hr"), ("填报中", "hr")]


def test_locked_parent_unit_locks_the_team(hall_head, team_leader, staff_user, hr_user):
    assessment.submit_month(
        unit=unit("CG-YYT"), month=MONTH, by=hall_head, reason="测试：允许不完整"
    )
    assessment.lock_month(unit=unit("CG-YYT"), month=MONTH, by=hr_user, reason="测试：允许不完整")
    record = entered_record(staff_user)
    with pytest.raises(assessment.AssessmentError, match="已锁定"):
        assessment.update_components(
            record_id=record.pk,
            by=team_leader,
            values={"complaints": 1},
            expected_version=record.version,
        )


def test_audit_entries_cannot_be_changed_or_deleted(team_leader, staff_user):
    record = entered_record(staff_user)
    assessment.update_components(
        record_id=record.pk, by=team_leader, values={"complaints": 1}, expected_version=1
    )
    entry = AuditEntry.objects.filter(record=record).first()
    entry.new_value = "0"
    with pytest.raises(ValidationError, match="不可修改"):
        entry.save()
    with pytest.raises(ValidationError, match="不可删除"):
        entry.delete()


def test_my_exams_shows_states_time_left_and_notice(client, team_leader, staff_user):
    exam = scheduling.schedule_exam(
        by=team_leader, plan=plan(notice="请带好工牌，按时参加。"), publish=True
    )
    client.force_login(staff_user)
    html = client.get("/exams/").content.decode()
    assert (
        "11月月度考试" in html
        and "可参加" in html
        and "请带好工牌" in html
        and "计入 2026年11月" in html
    )
    services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    html = client.get("/exams/").content.decode()
    assert "进行中" in html and "剩余约" in html
    other = profile("DL1021").user
    scheduling.close_due_exams(now=exam.closes_at + timedelta(hours=1))
    client.force_login(other)
    assert "缺考" in client.get("/exams/").content.decode()
