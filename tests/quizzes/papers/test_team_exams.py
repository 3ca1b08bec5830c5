"""班组考试 pages: who may use them, scheduling by form, live progress, extra time and voiding."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.months import month_of
from portal.organisation.models import StaffProfile, Unit
from quizzes.models import Attempt, Exam, QuestionType
from quizzes.papers import scheduling, services
from tests.quizzes.factories import make_blueprint

pytestmark = pytest.mark.django_db
MONTH_TEXT = "2026-11"


def profile(number: str) -> StaffProfile:
    return StaffProfile.objects.select_related("unit", "user").get(employee_number=number)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


@pytest.fixture
def blueprint():
    return make_blueprint(("判断", [QuestionType.TRUE_FALSE], 4, 25), name="月考组卷")


@pytest.fixture
def exam(team_leader, blueprint):
    now = timezone.now()
    plan = scheduling.ExamPlan(
        title="11月营业二班月考",
        blueprint=blueprint,
        month=month_of(now),
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        units=[unit("CG-YYT-2")],
        people=[],
    )
    return scheduling.schedule_exam(by=team_leader, plan=plan, publish=True)


def sit(exam, user, right: int, submit: bool = True):
    attempt = services.start_attempt(exam=exam, user=user, now=timezone.now())
    for item in attempt.questions.order_by("position")[:right]:
        services.save_answer(
            attempt_id=attempt.pk,
            position=item.position,
            raw_response=item.answer_key[0],
            now=timezone.now(),
        )
    if submit:
        return services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    return attempt


# Access ------------------------------------------------------------------------------------------


def test_staff_get_403_with_a_chinese_message(client, staff_user, exam):
    client.force_login(staff_user)
    urls = [
        reverse("quizzes:team_exams"),
        reverse("quizzes:team_exam_new"),
        reverse("quizzes:team_exam_monitor", args=[exam.pk]),
        reverse("quizzes:team_exam_progress", args=[exam.pk]),
        reverse("assessment:team_records"),
        reverse("assessment:team_records_template"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "只有班组长" in response.content.decode()
    assert client.post(reverse("assessment:team_records_upload")).status_code == 403


def test_hr_may_watch_but_not_change(client, hr_user, exam, staff_user):
    attempt = sit(exam, staff_user, right=1, submit=False)
    client.force_login(hr_user)
    assert client.get(reverse("quizzes:team_exams")).status_code == 200
    page = client.get(reverse("quizzes:team_exam_monitor", args=[exam.pk]))
    assert page.status_code == 200 and "罗斌" in page.content.decode()
    assert 'data-action="extra"' not in page.content.decode()  # no action forms for HR
    response = client.post(
        reverse("quizzes:team_exam_extra_time", args=[exam.pk]),
        {"attempt": attempt.pk, "minutes": 10},
    )
    assert response.status_code == 403
    assert client.get(reverse("quizzes:team_exam_new")).status_code == 403
    assert client.get(reverse("assessment:team_records")).status_code == 403
    attempt.refresh_from_db()
    assert attempt.extra_minutes == 0


def test_another_teams_leader_cannot_see_the_records_or_the_exam(client, exam):
    other = profile("DL1013").user  # 营业一班 班组长
    client.force_login(other)
    response = client.get(reverse("assessment:team_records"), {"unit": "CG-YYT-2"})
    assert response.status_code == 404
    own = client.get(reverse("assessment:team_records"), {"month": MONTH_TEXT})
    text = own.content.decode()
    assert own.status_code == 200 and "DL1014" in text and "DL1020" not in text
    assert client.get(reverse("quizzes:team_exam_monitor", args=[exam.pk])).status_code == 404
    assert client.get(reverse("quizzes:team_exam_progress", args=[exam.pk])).status_code == 404
    assert "11月营业二班月考" not in client.get(reverse("quizzes:team_exams")).content.decode()


# Scheduling --------------------------------------------------------------------------------------


def schedule_data(blueprint, **overrides):
    opens = timezone.localtime() + timedelta(hours=1)
    data = {
        "title": "十一月月度考试",
        "blueprint": blueprint.pk,
        "month": MONTH_TEXT,
        "opens_at": f"{opens:%Y-%m-%dT%H:%M}",
        "closes_at": f"{opens + timedelta(days=2):%Y-%m-%dT%H:%M}",
        "time_limit_minutes": "45",
        "attempts_allowed": "1",
        "units": [unit("CG-YYT-2").pk],
        "notice": "请按时参加。",
        "action": "publish",
    }
    data.update(overrides)
    return data


def test_scheduling_via_the_form(client, team_leader, blueprint):
    client.force_login(team_leader)
    page = client.get(reverse("quizzes:team_exam_new")).content.decode()
    assert "营业二班" in page and "营业一班" not in page  # only units in scope are offered
    data = schedule_data(blueprint, people=[profile("DL1020").pk])
    response = client.post(reverse("quizzes:team_exam_new"), data)
    exam = Exam.objects.get(title="十一月月度考试")
    assert response.status_code == 302
    assert response["Location"] == reverse("quizzes:team_exam_monitor", args=[exam.pk])
    assert exam.status == Exam.Status.PUBLISHED and exam.created_by == team_leader
    assert exam.month.isoformat() == "2026-11-01" and exam.time_limit_minutes == 45
    assert list(exam.audience_units.values_list("code", flat=True)) == ["CG-YYT-2"]
    assert list(exam.audience_users.all()) == [profile("DL1020").user]
    # Local time: what was typed is what is stored, in Asia/Shanghai.
    assert f"{timezone.localtime(exam.opens_at):%Y-%m-%dT%H:%M}" == data["opens_at"]
    listing = client.get(reverse("quizzes:team_exams")).content.decode()
    assert "十一月月度考试" in listing

    draft = client.post(
        reverse("quizzes:team_exam_new"), schedule_data(blueprint, title="草稿考试", action="draft")
    )
    assert draft.status_code == 302
    assert Exam.objects.get(title="草稿考试").status == Exam.Status.DRAFT


def test_scheduling_out_of_scope_or_nonsense_is_refused(client, team_leader, blueprint):
    client.force_login(team_leader)
    before = Exam.objects.count()
    response = client.post(
        reverse("quizzes:team_exam_new"),
        schedule_data(blueprint, units=[unit("CG-YYT-1").pk], people=[profile("DL1014").pk]),
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "所选单位不在您的管辖范围内" in text and "所选人员不在您的管辖范围内" in text
    opens = timezone.localtime()
    response = client.post(
        reverse("quizzes:team_exam_new"),
        schedule_data(
            blueprint,
            opens_at=f"{opens:%Y-%m-%dT%H:%M}",
            closes_at=f"{opens - timedelta(hours=1):%Y-%m-%dT%H:%M}",
            units=[],
        ),
    )
    text = response.content.decode()
    assert "截止时间必须晚于开始时间" in text and "请至少选择一个参考单位或参考人员" in text
    response = client.post(
        reverse("quizzes:team_exam_new"), schedule_data(blueprint, month="2026-13")
    )
    assert "考核月份格式应为 YYYY-MM" in response.content.decode()
    assert Exam.objects.count() == before


# Monitoring --------------------------------------------------------------------------------------


def test_monitor_states_and_json(
    client, team_leader, exam, staff_user, django_assert_max_num_queries
):
    sitting = sit(exam, staff_user, right=1, submit=False)
    sit(exam, profile("DL1021").user, right=3)
    voided = sit(exam, profile("DL1022").user, right=2)
    scheduling.void_attempt(
        by=team_leader, attempt_id=voided.pk, reason="设备故障", now=timezone.now()
    )
    client.force_login(team_leader)
    page = client.get(reverse("quizzes:team_exam_monitor", args=[exam.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "作答中" in text and "已出分" in text and "已作废" in text and "未开考" in text
    assert "75 / 100" in text and "剩余" in text
    assert reverse("quizzes:team_exam_progress", args=[exam.pk]) in text

    with django_assert_max_num_queries(14):
        response = client.get(reverse("quizzes:team_exam_progress", args=[exam.pk]))
    data = json.loads(response.content)
    people = {row["employee_number"]: row for row in data["people"]}
    # The whole team, except the team leader who scheduled the exam (he never sits it).
    team = StaffProfile.objects.filter(unit__code="CG-YYT-2", user__is_active=True).exclude(
        user=team_leader
    )
    assert set(people) == set(team.values_list("employee_number", flat=True))
    assert people["DL1020"]["state"] == "sitting" and people["DL1020"]["attempt_id"] == sitting.pk
    assert 0 < people["DL1020"]["seconds_left"] <= 30 * 60
    assert people["DL1021"]["state"] == "graded" and people["DL1021"]["score"] == "75.00"
    assert people["DL1022"]["state"] == "voided" and people["DL1022"]["void_reason"] == "设备故障"
    assert people["DL1023"]["state"] == "not_started"
    assert data["counts"]["sitting"] == 1 and data["counts"]["submitted"] == 1
    assert data["counts"]["total"] == team.count()
    assert "answer" not in response.content.decode()  # states and scores only
    # A bigger audience costs no more queries.
    for number in ("DL1023", "DL1024"):
        sit(exam, profile(number).user, right=4)
    with django_assert_max_num_queries(14):
        client.get(reverse("quizzes:team_exam_progress", args=[exam.pk]))
    with django_assert_max_num_queries(20):
        client.get(reverse("quizzes:team_exam_monitor", args=[exam.pk]))


def test_extra_time_and_void_via_the_views(client, team_leader, exam, staff_user):
    attempt = sit(exam, staff_user, right=1, submit=False)
    deadline = attempt.deadline_at
    client.force_login(team_leader)
    url = reverse("quizzes:team_exam_extra_time", args=[exam.pk])
    response = client.post(url, {"attempt": attempt.pk, "minutes": 500}, follow=True)
    assert "延长时间应为 1–120 分钟" in response.content.decode()
    response = client.post(url, {"attempt": attempt.pk, "minutes": 10}, follow=True)
    assert "已为罗斌延长 10 分钟" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.extra_minutes == 10 and attempt.deadline_at == deadline + timedelta(minutes=10)

    void_url = reverse("quizzes:team_exam_void", args=[exam.pk])
    response = client.post(void_url, {"attempt": attempt.pk, "reason": "  "}, follow=True)
    assert "作废必须填写原因" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    response = client.post(void_url, {"attempt": attempt.pk, "reason": "替考"}, follow=True)
    assert "已作废罗斌的第 1 次作答（原因：替考）" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.VOIDED and attempt.voided_by == team_leader
    assert client.get(void_url).status_code == 405


def test_actions_on_an_attempt_of_another_exam_are_refused(
    client, team_leader, exam, staff_user, blueprint
):
    now = timezone.now()
    other = scheduling.schedule_exam(
        by=team_leader,
        plan=scheduling.ExamPlan(
            title="另一场",
            blueprint=blueprint,
            month=None,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(hours=1),
            units=[unit("CG-YYT-2")],
            people=[],
        ),
        publish=True,
    )
    attempt = sit(other, staff_user, right=0, submit=False)
    client.force_login(team_leader)
    response = client.post(
        reverse("quizzes:team_exam_void", args=[exam.pk]),
        {"attempt": attempt.pk, "reason": "测试"},
        follow=True,
    )
    assert "不属于这场考试" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


# After publishing: edit before anyone starts, then only extend or cancel (issue 18) -------------


def local(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"


def edit_data(exam, **changes) -> dict:
    data = {
        "action": "edit",
        "opens_at": local(exam.opens_at),
        "closes_at": local(exam.closes_at),
        "units": [unit("CG-YYT-2").pk],
        "notice": exam.notice,
        "reason": "",
    }
    data.update(changes)
    return data


def test_a_published_exam_is_edited_before_anyone_starts(
    client, team_leader, exam, staff_user, hr_user
):
    from portal.notifications.models import Event, Kind
    from quizzes.changes.models import ExamChange

    client.force_login(team_leader)
    url = reverse("quizzes:team_exam_edit", args=[exam.pk])
    page = client.get(url).content.decode()
    assert "修改时间、参考人员和通知" in page and "延长截止时间" in page and "取消考试" in page
    later = exam.closes_at + timedelta(days=1)
    response = client.post(
        url,
        edit_data(
            exam,
            closes_at=local(later),
            notice="请带好工牌。",
            people=[profile("DL1020").pk],
            units=[],
            reason="只考罗斌",
        ),
    )
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.notice == "请带好工牌。" and local(exam.closes_at) == local(later)
    assert list(exam.audience_units.all()) == []
    assert list(exam.audience_users.all()) == [staff_user]
    change = ExamChange.objects.get(exam=exam)
    assert change.kind == "edit" and change.changed_by == team_leader
    assert {item["label"] for item in change.changes} == {"截止时间", "参考范围", "考试通知"}
    # The old and the new audience are told (梁艳 was dropped, 罗斌 stays).
    event = Event.objects.get(kind=Kind.EXAM_CHANGED)
    assert {staff_user.pk, profile("DL1021").user_id} <= set(event.recipient_ids)
    assert "考试通知" in event.body and "只考罗斌" in event.body
    # In the audit log HR reads.
    client.force_login(hr_user)
    audit = client.get("/hr/audit/").content.decode()
    assert "考试变更（发布后修改、延长、取消）" in audit and "只考罗斌" in audit
    only_exams = client.get("/hr/audit/", {"kind": "exam_change"})
    assert only_exams.context["rows"] == [] and "只考罗斌" in only_exams.content.decode()


def test_an_edit_out_of_scope_or_in_nonsense_changes_nothing(client, team_leader, exam):
    from quizzes.changes.models import ExamChange

    client.force_login(team_leader)
    url = reverse("quizzes:team_exam_edit", args=[exam.pk])
    before = (exam.opens_at, exam.closes_at)
    response = client.post(url, edit_data(exam, units=[unit("CG-YYT-1").pk]))
    errors = response.context["edit"].errors
    assert response.status_code == 200 and "units" in errors, errors
    assert 'class="field-error"' in response.content.decode()
    response = client.post(
        url, edit_data(exam, closes_at=local(exam.opens_at - timedelta(hours=1)))
    )
    assert response.status_code == 200 and "截止时间必须晚于开始时间" in response.content.decode()
    exam.refresh_from_db()
    assert (exam.opens_at, exam.closes_at) == before and not ExamChange.objects.exists()
    # Only the person who scheduled it changes it.
    other = profile("DL2002").user  # the hall head sees the exam but did not schedule it
    client.force_login(other)
    response = client.post(url, edit_data(exam, notice="改"), follow=True)
    assert "只有安排这场考试的人可以修改" in response.content.decode()
    exam.refresh_from_db()
    assert exam.notice == ""


def test_once_someone_started_only_extend_or_cancel_with_a_reason(
    client, team_leader, exam, staff_user
):
    from portal.notifications.models import Event, Kind
    from quizzes.changes.models import ExamChange

    attempt = sit(exam, staff_user, right=2, submit=False)
    client.force_login(team_leader)
    url = reverse("quizzes:team_exam_edit", args=[exam.pk])
    page = client.get(url).content.decode()
    assert "已有考生开始作答，不能再修改" in page and 'value="edit"' not in page
    response = client.post(url, edit_data(exam, notice="偷偷改"))
    exam.refresh_from_db()
    assert exam.notice == "" and not ExamChange.objects.exists()
    with pytest.raises(services.ExamError, match="已有考生开始作答"):
        scheduling.edit_exam(
            by=team_leader,
            exam_id=exam.pk,
            opens_at=exam.opens_at,
            closes_at=exam.closes_at,
            units=[unit("CG-YYT-2")],
            people=[],
            notice="偷偷改",
        )

    old_close = exam.closes_at
    response = client.post(url, {"action": "extend", "closes_at": local(old_close), "reason": "x"})
    assert "新的截止时间必须晚于原截止时间" in response.content.decode()
    response = client.post(
        url, {"action": "extend", "closes_at": local(old_close + timedelta(hours=3))}
    )
    assert "延长截止时间必须填写原因" in response.content.decode()
    response = client.post(
        url,
        {
            "action": "extend",
            "closes_at": local(old_close + timedelta(hours=3)),
            "reason": "系统故障",
        },
    )
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.closes_at > old_close
    extend = ExamChange.objects.get(exam=exam, kind="extend")
    assert extend.reason == "系统故障"
    # Those who have not finished are told; the reason is in the notice.
    told = Event.objects.get(kind=Kind.EXAM_CHANGED)
    assert staff_user.pk in told.recipient_ids and "系统故障" in told.body

    response = client.post(url, {"action": "cancel", "reason": "  "})
    assert "取消考试必须填写原因" in response.content.decode()
    assert exam.attempts.get().status == Attempt.Status.IN_PROGRESS
    response = client.post(url, {"action": "cancel", "reason": "题目有误，另行安排"})
    assert response.status_code == 302
    exam.refresh_from_db()
    attempt.refresh_from_db()
    assert exam.status == Exam.Status.CLOSED
    assert attempt.status != Attempt.Status.IN_PROGRESS and attempt.auto_submitted
    cancel = ExamChange.objects.get(exam=exam, kind="cancel")
    assert cancel.reason == "题目有误，另行安排" and cancel.changed_by == team_leader
    # Everyone of the audience sees the reason in their notices.
    notice = Event.objects.get(kind=Kind.EXAM_CANCELLED)
    assert staff_user.pk in notice.recipient_ids and "题目有误，另行安排" in notice.body
    # A cancelled exam counts for no month and makes nobody 缺考.
    from assessment.models import AssessmentRecord

    record = AssessmentRecord.objects.get(profile__user=staff_user, month=exam.month)
    assert record.exam_score is None and record.exam_state == "none"
    # Nothing more can be changed; the monitor shows the log.
    with pytest.raises(services.ExamError, match="已取消"):
        scheduling.cancel_exam(by=team_leader, exam_id=exam.pk, reason="再取消", now=timezone.now())
    monitor = client.get(reverse("quizzes:team_exam_monitor", args=[exam.pk])).content.decode()
    assert "题目有误，另行安排" in monitor and "系统故障" in monitor


def test_supervisors_export_their_exam_progress_and_scores(client, team_leader, exam, staff_user):
    import csv
    import io

    from openpyxl import load_workbook

    sit(exam, staff_user, right=3)
    client.force_login(team_leader)
    url = reverse("quizzes:team_exam_export", args=[exam.pk])
    response = client.get(url)
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    mine = [row for row in rows if "DL1020" in row]
    assert mine and "75" in " ".join(mine[0])
    others = [row for row in rows[1:] if row and "DL1021" in row]
    assert others and "未开考" in " ".join(others[0])
    workbook = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert "DL1020" in values
    # Another team's supervisor cannot export it.
    client.force_login(profile("DL1013").user)
    assert client.get(url).status_code == 404
