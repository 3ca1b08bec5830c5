"""班组长's pages: schedule monthly exams, watch them live, give extra time or void an attempt, and
enter the team's monthly assessment in a grid or from an XLSX sheet.

Supervisors (organisation.view_team_records) use every page; HR may look at the exams and their
progress but changes nothing here. Scope always comes from portal.organisation.selectors."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from portal.months import month_of
from portal.organisation.permissions import (
    can_monitor_exams,
    is_supervisor,
    requires,
    supervised_units,
)
from portal.organisation.selectors import visible_profiles, visible_units
from portal.scope import requested_month, requested_unit
from quizzes import scheduling
from quizzes.models import AnswersShown, Attempt, Exam
from quizzes.services import ExamError

from . import services, uploads
from .forms import ExamScheduleForm, ExtraTimeForm, UploadForm, VoidForm, team_exams
from .models import COMPONENTS, ENTERED_COMPONENTS, AssessmentMonth

NO_SUPERVISOR_ACCESS = "只有班组长、值长可以使用此功能。"
NO_MONITOR_ACCESS = "只有班组长、值长和人资人员可以查看考试进度。"
EXAMS_PAGE_SIZE = 30
REFRESH_SECONDS = 15


supervisors_only = requires(is_supervisor, NO_SUPERVISOR_ACCESS)
monitors_only = requires(can_monitor_exams, NO_MONITOR_ACCESS)


def _exam_or_404(user, exam_id: int) -> Exam:
    exam = team_exams(user).filter(pk=exam_id).first()
    if exam is None:
        raise Http404("考试不存在或不在您的管辖范围内")
    return exam


# Scheduled exams ---------------------------------------------------------------------------------


@login_required
@monitors_only
def exam_list(request):
    exams = team_exams(request.user).prefetch_related("audience_units", "audience_users")
    page = Paginator(exams.order_by("-opens_at", "-created_at"), EXAMS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "assessment/team/exam_list.html",
        {"page": page, "can_schedule": is_supervisor(request.user)},
    )


def _initial_window() -> dict:
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "month": f"{start:%Y-%m}",
        "opens_at": start,
        "closes_at": start + timedelta(days=3),
        "attempts_allowed": 1,
        "review_policy": AnswersShown.AFTER_CLOSE,
    }


@login_required
@supervisors_only
def exam_new(request):
    form = ExamScheduleForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial=_initial_window(),
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        plan = scheduling.ExamPlan(
            title=data["title"],
            blueprint=data["blueprint"],
            month=data["month"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            units=list(data["units"]),
            people=list(data["people"]),
            time_limit_minutes=data["time_limit_minutes"],
            attempts_allowed=data["attempts_allowed"],
            makeup_of=data["makeup_of"],
            notice=data["notice"],
            review_policy=data["review_policy"],
        )
        publish = request.POST.get("action") == "publish"
        try:
            exam = scheduling.schedule_exam(by=request.user, plan=plan, publish=publish)
        except ExamError as error:
            form.add_error(None, str(error))
        else:
            verb = "已发布，考生可在“我的考试”中看到" if publish else "已保存为草稿"
            messages.success(request, f"《{exam.title}》{verb}。")
            return redirect("quizzes:team_exam_monitor", exam_id=exam.pk)
    return render(request, "assessment/team/exam_new.html", {"form": form})


# Monitoring --------------------------------------------------------------------------------------

STATE_LABELS = {
    "not_started": "未开始",
    "sitting": "作答中",
    "pending_review": "待阅卷",
    "graded": "已出分",
    "voided": "已作废",
}


@dataclass
class MonitorRow:
    profile: object
    state: str
    attempt: Attempt | None
    seconds_left: int | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def time_left_label(self) -> str:
        if self.seconds_left is None:
            return ""
        if self.seconds_left <= 0:
            return "时间已到，待自动交卷"
        return f"剩余 {(self.seconds_left + 59) // 60} 分钟"

    @property
    def score_label(self) -> str:
        attempt = self.attempt
        if attempt is None or attempt.score is None or self.state == "voided":
            return ""
        return f"{attempt.score.normalize():f} / {attempt.max_score.normalize():f}"

    def as_json(self) -> dict:
        attempt = self.attempt
        return {
            "id": self.profile.pk,
            "employee_number": self.profile.employee_number,
            "name": self.profile.name,
            "unit": self.profile.unit.name,
            "state": self.state,
            "state_label": self.state_label,
            "attempt_id": attempt.pk if attempt else None,
            "attempt_number": attempt.number if attempt else None,
            "seconds_left": self.seconds_left,
            "time_left_label": self.time_left_label,
            "extra_minutes": attempt.extra_minutes if attempt else 0,
            "score": f"{attempt.score:f}" if attempt and attempt.score is not None else None,
            "max_score": f"{attempt.max_score:f}" if attempt else None,
            "score_label": self.score_label,
            "void_reason": attempt.void_reason if attempt else "",
        }


def monitor_rows(*, exam: Exam, viewer, now: datetime) -> list[MonitorRow]:
    """The exam's audience within the viewer's scope, each with their latest attempt's state.
    A fixed number of queries, however many people or attempts."""
    people = list(
        scheduling.audience_profiles(exam)
        .filter(pk__in=visible_profiles(viewer).values("pk"))
        .order_by("unit__path", "employee_number")
    )
    latest: dict[int, Attempt] = {}
    latest_voided: dict[int, Attempt] = {}
    attempts = (
        Attempt.objects.filter(exam=exam, user_id__in=[p.user_id for p in people])
        .only(
            "pk",
            "user_id",
            "number",
            "status",
            "deadline_at",
            "score",
            "max_score",
            "extra_minutes",
            "void_reason",
        )
        .order_by("number")
    )
    for attempt in attempts:
        target = latest_voided if attempt.status == Attempt.Status.VOIDED else latest
        target[attempt.user_id] = attempt
    rows = []
    for person in people:
        attempt = latest.get(person.user_id)
        seconds_left = None
        if attempt is None and person.user_id in latest_voided:
            state, attempt = "voided", latest_voided[person.user_id]
        elif attempt is None:
            state = "not_started"
        elif attempt.status == Attempt.Status.IN_PROGRESS:
            state = "sitting"
            seconds_left = max(0, int((attempt.deadline_at - now).total_seconds()))
        else:
            state = attempt.status
        rows.append(MonitorRow(person, state, attempt, seconds_left))
    return rows


def _counts(rows: list[MonitorRow]) -> dict:
    counts = {state: 0 for state in STATE_LABELS}
    for row in rows:
        counts[row.state] += 1
    counts["submitted"] = counts["pending_review"] + counts["graded"]
    counts["total"] = len(rows)
    return counts


@login_required
@monitors_only
def exam_monitor(request, exam_id: int):
    exam = _exam_or_404(request.user, exam_id)
    rows = monitor_rows(exam=exam, viewer=request.user, now=timezone.now())
    return render(
        request,
        "assessment/team/exam_monitor.html",
        {
            "exam": exam,
            "rows": rows,
            "counts": _counts(rows),
            "can_act": is_supervisor(request.user),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


@login_required
@monitors_only
def exam_progress(request, exam_id: int):
    """The monitor's data as JSON (states and scores only, never a question or an answer)."""
    exam = _exam_or_404(request.user, exam_id)
    now = timezone.now()
    rows = monitor_rows(exam=exam, viewer=request.user, now=now)
    return JsonResponse(
        {
            "exam": {"id": exam.pk, "title": exam.title, "status": exam.status},
            "generated_at": timezone.localtime(now).isoformat(),
            "counts": _counts(rows),
            "people": [row.as_json() for row in rows],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _attempt_action(request, exam_id: int, form_class, action) -> HttpResponse:
    exam = _exam_or_404(request.user, exam_id)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    elif not Attempt.objects.filter(pk=form.cleaned_data["attempt"], exam=exam).exists():
        messages.error(request, "该作答记录不属于这场考试。")
    else:
        try:
            message = action(exam, form.cleaned_data)
        except ExamError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, message)
    return redirect("quizzes:team_exam_monitor", exam_id=exam.pk)


def _person_of(attempt: Attempt) -> str:
    profile = getattr(attempt.user, "staff_profile", None)
    return profile.name if profile else attempt.user.get_username()


@login_required
@require_POST
@supervisors_only
def exam_extra_time(request, exam_id: int):
    def give(exam, data):
        attempt = scheduling.grant_extra_time(
            by=request.user,
            attempt_id=data["attempt"],
            minutes=data["minutes"],
            now=timezone.now(),
        )
        deadline = timezone.localtime(attempt.deadline_at)
        return (
            f"已为{_person_of(attempt)}延长 {data['minutes']} 分钟，"
            f"新的截止时间为 {deadline:%H:%M}。"
        )

    return _attempt_action(request, exam_id, ExtraTimeForm, give)


@login_required
@require_POST
@supervisors_only
def exam_void(request, exam_id: int):
    def void(exam, data):
        attempt = scheduling.void_attempt(
            by=request.user, attempt_id=data["attempt"], reason=data["reason"], now=timezone.now()
        )
        return f"已作废{_person_of(attempt)}的第 {attempt.number} 次作答（原因：{attempt.void_reason}）。"

    return _attempt_action(request, exam_id, VoidForm, void)


# Assessment records ------------------------------------------------------------------------------


def _unit_and_month(request):
    """The unit (by code, within the supervisor's scope, else 404) and month (YYYY-MM)."""
    units = visible_units(request.user).order_by("path")
    unit = requested_unit(
        request,
        units=lambda: units,
        default=lambda: supervised_units(request.user).order_by("path").first() or units.first(),
        no_unit="您没有可管辖的单位，不能录入考核数据。",
    )
    month = requested_month(
        request,
        default=lambda: month_of(timezone.now()),
        error="月份“{text}”格式不正确，应为 YYYY-MM；已显示本月。",
    )
    return unit, month, units


def _records_url(unit, month: date, name: str = "quizzes:team_records") -> str:
    return f"{reverse(name)}?month={month:%Y-%m}&unit={unit.code}"


def _shown(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "normalize"):
        return f"{value.normalize():f}"
    return str(value)


def _grid(rows, posted=None, problems=None) -> list[dict]:
    by_line = {}
    for problem in problems or []:
        by_line.setdefault(problem.line, []).append(problem.message)
    grid = []
    for line, (profile, record) in enumerate(rows, start=1):
        prefix = f"r{record.pk}-"
        values = []
        for name in ENTERED_COMPONENTS:
            text = _shown(getattr(record, name))
            if posted is not None and prefix + name in posted:
                text = posted[prefix + name]
            values.append({"name": prefix + name, "label": LABELS[name], "value": text})
        version = record.version
        if posted is not None and prefix + "version" in posted:
            version = posted[prefix + "version"]
        grid.append(
            {
                "line": line,
                "profile": profile,
                "record": record,
                "values": values,
                "version_name": prefix + "version",
                "version": version,
                "problems": by_line.get(line, []),
            }
        )
    return grid


LABELS = {name: label for name, label, _ in COMPONENTS}


def _records_page(
    request,
    unit,
    month,
    units,
    *,
    posted=None,
    problems=None,
    upload_form=None,
    upload_problems=None,
):
    rows = uploads.team_records(by=request.user, unit=unit, month=month)
    status = services.month_status(unit=unit, month=month)
    return render(
        request,
        "assessment/team/records.html",
        {
            "unit": unit,
            "units": units,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "status": status,
            "status_label": AssessmentMonth.Status(status).label,
            "editable": status == AssessmentMonth.Status.OPEN,
            "grid": _grid(rows, posted, problems),
            "labels": [LABELS[name] for name in ENTERED_COMPONENTS],
            "problems": problems or [],
            "upload_form": upload_form or UploadForm(),
            "upload_problems": upload_problems or [],
            "query": f"month={month:%Y-%m}&unit={unit.code}",
        },
    )


@login_required
@supervisors_only
def records(request):
    unit, month, units = _unit_and_month(request)
    if request.method != "POST":
        return _records_page(request, unit, month, units)
    action = request.POST.get("action", "save")
    if action in ("submit_month", "withdraw_month"):
        try:
            if action == "submit_month":
                services.submit_month(unit=unit, month=month, by=request.user)
                messages.success(request, f"{unit.name}{month:%Y年%m月}考核已提交，等待人资锁定。")
            else:
                services.withdraw_month(
                    unit=unit, month=month, by=request.user, reason="班组长撤回"
                )
                messages.success(
                    request, f"已撤回{unit.name}{month:%Y年%m月}的提交，可以继续修改。"
                )
        except services.AssessmentError as error:
            messages.error(request, str(error))
        return redirect(_records_url(unit, month))
    rows = uploads.team_records(by=request.user, unit=unit, month=month)
    entries, problems = [], []
    for line, (profile, record) in enumerate(rows, start=1):
        prefix = f"r{record.pk}-"
        raw = {name: request.POST.get(prefix + name) for name in ENTERED_COMPONENTS}
        if any(value is None for value in raw.values()):
            continue  # not on the page that was posted (someone joined the team since)
        who = f"{profile.employee_number} {profile.name}"
        try:
            version = int(request.POST.get(prefix + "version", ""))
        except ValueError:
            problems.append(uploads.Problem(line, who, "页面数据不完整，请刷新页面后重新填写。"))
            continue
        changes, value_problems = uploads.changed_values(record, raw)
        if value_problems:
            problems.append(uploads.Problem(line, who, "；".join(value_problems)))
        elif changes:
            entries.append(uploads.Entry(line, profile, record, changes, version))
    if entries:
        problems = uploads.save_entries(
            by=request.user, month=month, entries=entries, reason="班组长录入", problems=problems
        )
    if problems:
        problems.sort(key=lambda problem: problem.line)
        messages.error(
            request,
            f"有 {len(problems)} 行不能保存，全部修改均未保存。请按下方提示改正后重新保存。",
        )
        return _records_page(request, unit, month, units, posted=request.POST, problems=problems)
    if entries:
        messages.success(request, f"已保存 {len(entries)} 人的考核数据。")
    else:
        messages.info(request, "没有修改，无需保存。")
    return redirect(_records_url(unit, month))


@login_required
@supervisors_only
def records_template(request):
    unit, month, _ = _unit_and_month(request)
    rows = uploads.team_records(by=request.user, unit=unit, month=month, create=False)
    response = HttpResponse(
        uploads.template_workbook(rows=rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{unit.name}{month:%Y年%m月}考核录入.xlsx"
    )
    return response


@login_required
@require_POST
@supervisors_only
def records_upload(request):
    unit, month, units = _unit_and_month(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _records_page(request, unit, month, units, upload_form=form)
    try:
        entries, problems = uploads.read_sheet(
            file=form.cleaned_data["file"], by=request.user, unit=unit, month=month
        )
    except uploads.UploadError as error:
        form.add_error("file", str(error))
        return _records_page(request, unit, month, units, upload_form=form)
    if entries:
        problems = uploads.save_entries(
            by=request.user, month=month, entries=entries, reason="表格导入", problems=problems
        )
    if problems:
        messages.error(
            request, f"表格中有 {len(problems)} 行有问题，整张表均未导入。请改正后重新上传。"
        )
        return _records_page(request, unit, month, units, upload_problems=problems)
    if entries:
        messages.success(request, f"已从表格导入 {len(entries)} 人的考核数据。")
    else:
        messages.info(request, "表格中的数据与系统中一致，没有需要导入的修改。")
    return redirect(_records_url(unit, month))


urlpatterns = [
    path("team/exams/", exam_list, name="team_exams"),
    path("team/exams/new/", exam_new, name="team_exam_new"),
    path("team/exams/<int:exam_id>/", exam_monitor, name="team_exam_monitor"),
    path("team/exams/<int:exam_id>/progress.json", exam_progress, name="team_exam_progress"),
    path("team/exams/<int:exam_id>/extra-time/", exam_extra_time, name="team_exam_extra_time"),
    path("team/exams/<int:exam_id>/void/", exam_void, name="team_exam_void"),
    path("team/records/", records, name="team_records"),
    path("team/records/upload/", records_upload, name="team_records_upload"),
    path("team/records/template.xlsx", records_template, name="team_records_template"),
]
