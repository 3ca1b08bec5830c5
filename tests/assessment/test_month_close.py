"""Closing a month safely (issue 18): the confirmation pages before 提交 and 锁定 list what is
incomplete (who has no exam result and why, missing components, exams closing after today) and
need a reason to go ahead; a lock requested twice locks once; scores arriving after submission
are held and flagged 提交后变更, never changing a submitted or locked month; HR decides them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import services as assessment
from assessment.models import AssessmentMonth, AssessmentRecord, AuditEntry, HeldScoreChange
from portal.months import month_of
from portal.notifications.models import Event, Kind
from portal.organisation.models import StaffProfile, Unit
from portal.organisation.roles import Role
from quizzes.models import Attempt, QuestionType
from quizzes.papers import scheduling, services
from tests.factories import make_person, make_unit
from tests.quizzes.factories import make_blueprint

pytestmark = pytest.mark.django_db

NAMES = ["甲未开考", "乙作答中", "丙待阅卷", "丁缺考", "戊已完成"]
COMPONENTS = {
    "attendance_rate": "100",
    "error_rate": "0",
    "complaints": "0",
    "contacts": "50",
    "satisfaction": "98",
    "etiquette_score": "95",
}


class Team:
    """A new team (测试班, under 中心营业厅) with its leader and five people."""

    def __init__(self):
        self.unit = make_unit("T18", parent=Unit.objects.get(code="CG-YYT"), name="测试班")
        self.leader = make_person(
            "T1800", unit=self.unit, roles=(Role.SUPERVISOR,), supervises=(self.unit,), name="班长"
        )
        self.people = [
            make_person(f"T180{n}", unit=self.unit, name=name)
            for n, name in enumerate(NAMES, start=1)
        ]
        self.month = month_of(timezone.now())

    def query(self) -> str:
        return f"month={self.month:%Y-%m}&unit={self.unit.code}"

    def schedule(self, *, title, sections, opens, closes, people=None):
        plan = scheduling.ExamPlan(
            title=title,
            blueprint=make_blueprint(*sections, name=f"{title}组卷"),
            month=self.month,
            opens_at=opens,
            closes_at=closes,
            units=[] if people else [self.unit],
            people=[user.staff_profile for user in people or []],
        )
        return scheduling.schedule_exam(by=self.leader, plan=plan, publish=True)

    def enter_components(self, user):
        record = assessment.record_for(profile=user.staff_profile, month=self.month)
        return assessment.update_components(
            record_id=record.pk, by=self.leader, values=COMPONENTS, expected_version=record.version
        )


def answer_all(attempt, *, right: bool = True):
    for item in attempt.questions.order_by("position"):
        if item.type == QuestionType.SHORT:
            raw = "按规定答复客户并做好记录。"
        else:
            raw = item.answer_key[0] if right else "__wrong__"
        services.save_answer(
            attempt_id=attempt.pk, position=item.position, raw_response=raw, now=timezone.now()
        )


@pytest.fixture
def team(demo_org) -> Team:
    return Team()


@pytest.fixture
def month_with_gaps(team):
    """One of each reason for a missing result: 甲 未开考 and 乙 作答中 (本月月考), 丙 待阅卷 (a
    short answer of 简答考试 waits for a marker), 丁 缺考 (an exam of their own closed before
    they sat it); 戊 finished 快测."""
    now = timezone.now()
    main = team.schedule(
        title="本月月考",
        sections=[("判断", [QuestionType.TRUE_FALSE], 2, 50)],
        opens=now - timedelta(minutes=5),
        closes=now + timedelta(days=3),
        people=team.people[:2],
    )
    essay = team.schedule(
        title="简答考试",
        sections=[
            ("判断", [QuestionType.TRUE_FALSE], 2, 25),
            ("简答", [QuestionType.SHORT], 1, 50),
        ],
        opens=now - timedelta(minutes=5),
        closes=now + timedelta(days=2),
        people=[team.people[2]],
    )
    quick = team.schedule(
        title="快测",
        sections=[("判断", [QuestionType.TRUE_FALSE], 2, 50)],
        opens=now - timedelta(hours=1),
        closes=now + timedelta(minutes=2),
        people=[team.people[4]],
    )
    missed = team.schedule(
        title="补充考试",
        sections=[("判断", [QuestionType.TRUE_FALSE], 2, 50)],
        opens=now - timedelta(hours=3),
        closes=now - timedelta(minutes=1),
        people=[team.people[3]],
    )
    services.start_attempt(exam=main, user=team.people[1], now=now)
    waiting = services.start_attempt(exam=essay, user=team.people[2], now=now)
    answer_all(waiting)
    services.submit_attempt(attempt_id=waiting.pk, now=timezone.now())
    scheduling.close_due_exams(now=timezone.now())
    done = services.start_attempt(exam=quick, user=team.people[4], now=now)
    answer_all(done)
    services.submit_attempt(attempt_id=done.pk, now=timezone.now())
    # 快测 ends (nobody else sits it; 乙's paper has 30 minutes left).
    scheduling.close_due_exams(now=quick.closes_at + timedelta(seconds=1))
    return main, missed


def test_confirmation_page_lists_who_has_no_result_and_why(client, team, month_with_gaps):
    assert Attempt.objects.get(user=team.people[2]).status == "pending_review"
    client.force_login(team.leader)
    response = client.get(f"{reverse('assessment:team_records_submit')}?{team.query()}")
    assert response.status_code == 200
    gaps = response.context["gaps"]
    reasons = {gap.profile.name: gap.exam.label for gap in gaps.without_result}
    assert reasons == {"甲未开考": "未开考", "乙作答中": "作答中", "丙待阅卷": "待阅卷"}
    # 缺考 is a result (the scheme's missed-exam score) but is listed, with the exam.
    assert [(gap.profile.name, gap.exam.exams) for gap in gaps.missed] == [
        ("丁缺考", ("补充考试",))
    ]
    # Nobody has components yet: all five are listed, each with what is missing, and the leader
    # too (his record is entered by the hall head above him).
    assert {gap.profile.name for gap in gaps.missing_components} == {*NAMES, "班长"}
    assert [exam.title for exam in gaps.open_exams] == ["简答考试", "本月月考"]
    html = response.content.decode()
    for name, label in {**reasons, "丁缺考": "缺考"}.items():
        assert f"<b>{name}</b>（" in html and f"：{label}" in html
    assert "缺考（1 人，按考核方案的缺考计分）" in html
    assert "缺出勤率、工作差错率、投诉次数、服务客户数、满意率、服务礼仪" in html
    assert "今天之后才截止的考试（2 场）" in html and "本月月考：截止" in html
    assert 'name="reason"' in html and "required" in html and "仍然提交本月考核" in html


def test_an_incomplete_month_is_submitted_only_with_a_reason(
    client, team, month_with_gaps, hr_user
):
    client.force_login(team.leader)
    url = f"{reverse('assessment:team_records_submit')}?{team.query()}"
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200  # the confirmation page again, with the message
    assert "尚不完整" in response.content.decode() and "请填写原因" in response.content.decode()
    assert assessment.month_status(unit=team.unit, month=team.month) == "open"
    assert not AuditEntry.objects.filter(month_state__unit=team.unit).exists()

    response = client.post(url, {"reason": "丁病假，月底补考"})
    assert response.status_code == 302
    assert assessment.month_status(unit=team.unit, month=team.month) == "submitted"
    entry = AuditEntry.objects.get(month_state__unit=team.unit)
    assert entry.new_value == "已提交" and entry.changed_by == team.leader
    assert "不完整" in entry.reason and "丁病假，月底补考" in entry.reason
    assert "3 人无考试成绩" in entry.reason and "1 人缺考" in entry.reason
    assert "2 场考试今天之后才截止" in entry.reason
    # HR is told, with the reason.
    event = Event.objects.get(kind=Kind.MONTH_SUBMITTED)
    assert hr_user.pk in event.recipient_ids and "丁病假" in event.body


def test_a_complete_month_needs_no_reason(team):
    now = timezone.now()
    exam = team.schedule(
        title="已结束的月考",
        sections=[("判断", [QuestionType.TRUE_FALSE], 2, 50)],
        opens=now - timedelta(hours=2),
        closes=now + timedelta(hours=1),
    )
    for user in team.people:
        attempt = services.start_attempt(exam=exam, user=user, now=now)
        answer_all(attempt)
        services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
        team.enter_components(user)
    hall_head = StaffProfile.objects.get(employee_number="DL2002").user
    leader = assessment.record_for(profile=team.leader.staff_profile, month=team.month)
    assessment.update_components(
        record_id=leader.pk, by=hall_head, values=COMPONENTS, expected_version=leader.version
    )
    scheduling.close_due_exams(now=exam.closes_at + timedelta(minutes=1))
    gaps = assessment.month_gaps(unit=team.unit, month=team.month, now=timezone.now())
    assert gaps.complete, gaps.summary
    state = assessment.submit_month(unit=team.unit, month=team.month, by=team.leader)
    assert state.status == "submitted"
    assert AuditEntry.objects.get(month_state=state).reason == "班组长提交"


def test_hr_lock_page_lists_gaps_and_a_lock_requested_twice_locks_once(
    client, team, month_with_gaps, hr_user
):
    assessment.submit_month(unit=team.unit, month=team.month, by=team.leader, reason="先提交")
    client.force_login(hr_user)
    url = f"{reverse('assessment:hr_lock_month')}?{team.query()}"
    page = client.get(url)
    assert page.status_code == 200 and page.context["can_act"]
    assert len(page.context["gaps"].without_result) == 3
    assert "锁定本月考核" in page.content.decode()
    data = {"unit": team.unit.code, "month": f"{team.month:%Y-%m}"}
    refused = client.post(url, data)
    assert refused.status_code == 200 and "请填写原因" in refused.content.decode()
    assert assessment.month_status(unit=team.unit, month=team.month) == "submitted"
    assert client.post(url, {**data, "reason": "按期锁定"}).status_code == 302
    assert client.post(url, {**data, "reason": "按期锁定"}).status_code == 302
    assessment.lock_month(unit=team.unit, month=team.month, by=hr_user, reason="再锁一次")
    entries = AuditEntry.objects.filter(month_state__unit=team.unit, new_value="已锁定")
    assert entries.count() == 1 and "按期锁定" in entries.get().reason
    assert AssessmentMonth.objects.get(unit=team.unit, month=team.month).status == "locked"


def test_a_supervisor_cannot_open_the_lock_page(client, team):
    client.force_login(team.leader)
    response = client.get(f"{reverse('assessment:hr_lock_month')}?{team.query()}")
    assert response.status_code == 403 and "只有人资" in response.content.decode()


# Scores after submission ---------------------------------------------------------------------


def test_a_score_after_submission_is_held_and_flagged_to_supervisor_and_hr(
    client, team, month_with_gaps, hr_user
):
    main, _ = month_with_gaps
    sitting = team.people[1]
    before = assessment.record_for(profile=sitting.staff_profile, month=team.month)
    assessment.submit_month(unit=team.unit, month=team.month, by=team.leader, reason="月底提交")
    attempt = Attempt.objects.get(exam=main, user=sitting)
    answer_all(attempt)
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())

    after = AssessmentRecord.objects.get(pk=before.pk)
    assert (after.exam_state, after.exam_score, after.version) == (
        before.exam_state,
        before.exam_score,
        before.version,
    )
    assert (
        not after.audit_entries.filter(field="exam_score")
        .exclude(changed_at__lte=before.updated_at)
        .exists()
    )
    held = HeldScoreChange.objects.get(record=after, status="pending")
    assert held.month_status == "submitted" and held.exam_score is not None
    assert held.caused_by == sitting
    event = Event.objects.get(kind=Kind.LATE_SCORE)
    assert "提交后变更" in event.title
    assert team.leader.pk in event.recipient_ids and hr_user.pk in event.recipient_ids
    # The supervisor's month page flags it.
    client.force_login(team.leader)
    html = client.get(f"{reverse('assessment:team_records')}?{team.query()}").content.decode()
    assert "提交后变更" in html and "有 1 人的月度考试成绩" in html


def test_a_locked_month_refuses_late_scores_and_lists_them_for_hr(
    client, team, month_with_gaps, hr_user
):
    main, _ = month_with_gaps
    sitting = team.people[1]
    assessment.submit_month(unit=team.unit, month=team.month, by=team.leader, reason="月底提交")
    record = assessment.record_for(profile=sitting.staff_profile, month=team.month)
    assessment.lock_month(unit=team.unit, month=team.month, by=hr_user, reason="按期锁定")
    attempt = Attempt.objects.get(exam=main, user=sitting)
    answer_all(attempt)
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    held = HeldScoreChange.objects.get(record=record, status="pending")
    assert held.month_status == "locked"
    assert AssessmentRecord.objects.get(pk=record.pk).exam_score == record.exam_score
    assert "待人资决定" in Event.objects.get(kind=Kind.LATE_SCORE).title

    client.force_login(hr_user)
    page = client.get(reverse("assessment:held_scores")).content.decode()
    assert "乙作答中" in page and "已锁定" in page
    # Applying it while the month is locked is refused; nothing changes.
    decide = reverse("assessment:held_score_decide", args=[held.pk])
    response = client.post(decide, {"decision": "apply", "note": "采用"}, follow=True)
    assert "成绩只能在填报中的月份变更" in response.content.decode()
    assert HeldScoreChange.objects.get(pk=held.pk).status == "pending"
    assert AssessmentRecord.objects.get(pk=record.pk).exam_score == record.exam_score
    # HR reopens, then applies it: the record changes, with an audit entry naming HR.
    assessment.reopen_month(unit=team.unit, month=team.month, by=hr_user, reason="补算成绩")
    client.post(decide, {"decision": "apply", "note": "补考成绩有效"})
    held.refresh_from_db()
    assert held.status == "applied" and held.decided_by == hr_user
    applied = AssessmentRecord.objects.get(pk=record.pk)
    assert applied.exam_state == "graded" and applied.exam_score == held.exam_score
    entry = applied.audit_entries.get(field="exam_score", changed_by=hr_user)
    assert "补考成绩有效" in entry.reason


def test_hr_may_leave_a_locked_month_as_it_is(team, month_with_gaps, hr_user):
    main, _ = month_with_gaps
    assessment.submit_month(unit=team.unit, month=team.month, by=team.leader, reason="提交")
    assessment.lock_month(unit=team.unit, month=team.month, by=hr_user, reason="锁定")
    attempt = Attempt.objects.get(exam=main, user=team.people[1])
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    held = HeldScoreChange.objects.get(status="pending")
    with pytest.raises(assessment.AssessmentError, match="请填写处理说明"):
        assessment.decide_held_change(change_id=held.pk, by=hr_user, apply=False, note="")
    assessment.decide_held_change(change_id=held.pk, by=hr_user, apply=False, note="维持原记录")
    held.refresh_from_db()
    assert held.status == "dismissed" and held.decision_note == "维持原记录"
    with pytest.raises(assessment.AssessmentError, match="已不采用"):
        assessment.decide_held_change(change_id=held.pk, by=hr_user, apply=True, note="改主意")
    assert AssessmentMonth.objects.get(unit=team.unit, month=team.month).status == "locked"


# The reopen reason reaches the supervisor ---------------------------------------------------------


def test_the_reopen_reason_is_on_the_month_page_and_in_a_notice(client, team, hr_user):
    assessment.submit_month(unit=team.unit, month=team.month, by=team.leader, reason="提交")
    assessment.lock_month(unit=team.unit, month=team.month, by=hr_user, reason="锁定")
    assessment.reopen_month(
        unit=team.unit, month=team.month, by=hr_user, reason="出勤率录错，请更正后重新提交"
    )
    event = Event.objects.get(kind=Kind.MONTH_REOPENED)
    assert team.leader.pk in event.recipient_ids and "出勤率录错" in event.body
    client.force_login(team.leader)
    html = client.get(f"{reverse('assessment:team_records')}?{team.query()}").content.decode()
    assert "人资已重新开放本月" in html and "出勤率录错，请更正后重新提交" in html
    # Once the supervisor submits again, the old reason is no longer shown as news.
    assessment.submit_month(unit=team.unit, month=team.month, by=team.leader, reason="已更正")
    html = client.get(f"{reverse('assessment:team_records')}?{team.query()}").content.decode()
    assert "人资已重新开放本月" not in html


def test_the_grid_names_the_exam_state_not_no_exam(client, team, month_with_gaps):
    client.force_login(team.leader)
    html = client.get(f"{reverse('assessment:team_records')}?{team.query()}").content.decode()
    assert "无考试" not in html
    for label in ("未开考", "作答中", "待阅卷", "缺考", "已出分"):
        assert label in html
    assert "已已" not in html


def test_composite_of_a_finished_person_counts(team, month_with_gaps):
    done = team.enter_components(team.people[4])
    assert done.exam_state == "graded" and done.composite is not None
    assert done.composite > Decimal(0)
