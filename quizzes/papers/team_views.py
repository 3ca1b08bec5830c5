"""班组考试: supervisors schedule monthly exams, change them after publishing (edit before anyone
starts; then extend or cancel with a reason), watch them live, give extra time or void an
attempt, and export progress and scores; HR may look at the exams and their progress but
changes nothing here. The rules are in scheduling.py; scope always comes from
portal.organisation."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.organisation.models import StaffProfile
from portal.organisation.permissions import can_monitor_exams, is_supervisor, requires

from .. import results
from . import progress_export, scheduling, selectors, services
from .forms import ExamScheduleForm, ExtraTimeForm, VoidForm
from .models import AnswersShown, Attempt, Exam
from .team_forms import ExamCancelForm, ExamEditForm, ExamExtendForm

NO_SUPERVISOR_ACCESS = "只有班组长、值长可以使用此功能。"
NO_MONITOR_ACCESS = "只有班组长、值长和人资人员可以查看考试进度。"
EXAMS_PAGE_SIZE = 30
REFRESH_SECONDS = 15

supervisors_only = requires(is_supervisor, NO_SUPERVISOR_ACCESS)
monitors_only = requires(can_monitor_exams, NO_MONITOR_ACCESS)


def _exam_or_404(user, exam_id: int) -> Exam:
    exam = selectors.team_exams(user).filter(pk=exam_id).first()
    if exam is None:
        raise Http404("考试不存在或不在您的管辖范围内")
    return exam


# Scheduled exams ---------------------------------------------------------------------------------


@login_required
@monitors_only
def exam_list(request):
    exams = selectors.team_exams(request.user).prefetch_related("audience_units", "audience_users")
    page = Paginator(exams.order_by("-opens_at", "-created_at"), EXAMS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "quizzes/team/exam_list.html",
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
        except services.ExamError as error:
            form.add_error(None, str(error))
        else:
            verb = "已发布，考生可在“我的考试”中看到" if publish else "已保存为草稿"
            messages.success(request, f"《{exam.title}》{verb}。")
            return redirect("quizzes:team_exam_monitor", exam_id=exam.pk)
    return render(request, "quizzes/team/exam_new.html", {"form": form})


# Monitoring --------------------------------------------------------------------------------------


def _counts(rows: list[selectors.MonitorRow]) -> dict:
    counts = {state: 0 for state in selectors.STATE_LABELS}
    for row in rows:
        counts[row.state] += 1
    counts["submitted"] = counts["pending_review"] + counts["graded"]
    counts["total"] = len(rows)
    return counts


@login_required
@monitors_only
def exam_monitor(request, exam_id: int):
    exam = _exam_or_404(request.user, exam_id)
    rows = selectors.monitor_rows(exam=exam, viewer=request.user, now=timezone.now())
    return render(
        request,
        "quizzes/team/exam_monitor.html",
        {
            "exam": exam,
            "rows": rows,
            "counts": _counts(rows),
            "can_act": is_supervisor(request.user),
            "can_change": _may_change(request.user, exam),
            "cancelled": results.is_cancelled(exam_id=exam.pk),
            "changes": results.exam_changes(exam_ids=[exam.pk]),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


@login_required
@monitors_only
def exam_progress(request, exam_id: int):
    """The monitor's data as JSON (states and scores only, never a question or an answer)."""
    exam = _exam_or_404(request.user, exam_id)
    now = timezone.now()
    rows = selectors.monitor_rows(exam=exam, viewer=request.user, now=now)
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
    elif not selectors.attempt_in_exam(attempt_id=form.cleaned_data["attempt"], exam=exam):
        messages.error(request, "该作答记录不属于这场考试。")
    else:
        try:
            message = action(exam, form.cleaned_data)
        except services.ExamError as error:
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


# After publishing: edit, extend, cancel; export -------------------------------------------------


def _may_change(user, exam: Exam) -> bool:
    return (
        user.is_superuser or exam.created_by_id == user.pk
    ) and exam.status != Exam.Status.CLOSED


def _monitor(exam: Exam):
    return redirect("quizzes:team_exam_monitor", exam_id=exam.pk)


def _edit_initial(exam: Exam) -> dict:
    return {
        "opens_at": exam.opens_at and timezone.localtime(exam.opens_at),
        "closes_at": exam.closes_at and timezone.localtime(exam.closes_at),
        "units": list(exam.audience_units.all()),
        "people": list(StaffProfile.objects.filter(user__in=exam.audience_users.all())),
        "notice": exam.notice,
    }


@login_required
@supervisors_only
def exam_edit(request, exam_id: int):
    """Before anyone starts: window, audience, notice. Afterwards: extend or cancel."""
    exam = _exam_or_404(request.user, exam_id)
    if not _may_change(request.user, exam):
        messages.error(request, "只有安排这场考试的人可以修改，且考试尚未结束。")
        return _monitor(exam)
    started = scheduling.has_started(exam)
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if posted else ""
    edit = ExamEditForm(
        posted if action == "edit" else None, user=request.user, initial=_edit_initial(exam)
    )
    extend = ExamExtendForm(posted if action == "extend" else None)
    cancel = ExamCancelForm(posted if action == "cancel" else None)
    form = {"edit": edit, "extend": extend, "cancel": cancel}.get(action)
    if form is not None and form.is_valid():
        try:
            message = _apply_change(request.user, exam, action, form.cleaned_data)
        except services.ExamError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, message)
            return _monitor(exam)
    return render(
        request,
        "quizzes/team/exam_edit.html",
        {"exam": exam, "started": started, "edit": edit, "extend": extend, "cancel": cancel},
    )


def _apply_change(user, exam: Exam, action: str, data: dict) -> str:
    now = timezone.now()
    if action == "edit":
        scheduling.edit_exam(
            by=user,
            exam_id=exam.pk,
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            units=list(data["units"]),
            people=list(data["people"]),
            notice=data["notice"],
            reason=data["reason"],
        )
        return f"《{exam.title}》已修改，考生会收到通知。"
    if action == "extend":
        changed = scheduling.extend_exam(
            by=user, exam_id=exam.pk, closes_at=data["closes_at"], reason=data["reason"], now=now
        )
        return f"《{exam.title}》截止时间已延至 {timezone.localtime(changed.closes_at):%m月%d日 %H:%M}。"
    scheduling.cancel_exam(by=user, exam_id=exam.pk, reason=data["reason"], now=now)
    return f"《{exam.title}》已取消，正在作答的试卷已交卷，成绩不计入月度考核。"


@login_required
@monitors_only
def exam_export(request, exam_id: int):
    """The exam's progress and scores for the viewer's scope, as CSV (BOM) or XLSX."""
    exam = _exam_or_404(request.user, exam_id)
    rows = selectors.monitor_rows(exam=exam, viewer=request.user, now=timezone.now())
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return progress_export.response(exam=exam, rows=rows, fmt=fmt)


urlpatterns = [
    path("team/exams/", exam_list, name="team_exams"),
    path("team/exams/new/", exam_new, name="team_exam_new"),
    path("team/exams/<int:exam_id>/", exam_monitor, name="team_exam_monitor"),
    path("team/exams/<int:exam_id>/progress.json", exam_progress, name="team_exam_progress"),
    path("team/exams/<int:exam_id>/extra-time/", exam_extra_time, name="team_exam_extra_time"),
    path("team/exams/<int:exam_id>/void/", exam_void, name="team_exam_void"),
    path("team/exams/<int:exam_id>/edit/", exam_edit, name="team_exam_edit"),
    path("team/exams/<int:exam_id>/export/", exam_export, name="team_exam_export"),
]
