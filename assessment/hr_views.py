"""月度考核汇总 (HR and supervisors: a month per unit subtree, exports of a month, a range or a
year, charts; HR locks after a confirmation page, and reopens) and the held score changes
(待处理成绩变更)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from portal.months import month_of, parse_month, shift_month
from portal.organisation.models import Unit
from portal.organisation.permissions import can_manage_months, can_view_reports, requires
from portal.organisation.selectors import unit_by_code, visible_units
from portal.scope import requested_month, requested_unit
from quizzes import results

from . import charts, exports, selectors, services
from .models import AssessmentMonth, HeldScoreChange

PAGE_SIZE = 100
NO_REPORT_ACCESS = "只有人资和班组长、值长可以查看考核汇总；员工请在“我的考核”查看本人记录。"
NO_LOCK_ACCESS = "只有人资可以锁定或重新开放月份。"


reports_only = requires(can_view_reports, NO_REPORT_ACCESS)


def _unit(request, user) -> Unit:
    return requested_unit(
        request,
        units=lambda: visible_units(user),
        default=lambda: selectors.default_unit(user),
        no_unit=NO_REPORT_ACCESS,
    )


def _month(request, *, user, unit: Unit) -> date:
    def latest() -> date:
        found = selectors.latest_month_with_records(user=user, unit=unit)
        return found or month_of(timezone.now())

    return requested_month(request, default=latest)


def page_url(*, unit: Unit, month: date) -> str:
    return (
        reverse("assessment:hr_assessments")
        + "?"
        + urlencode({"month": f"{month:%Y-%m}", "unit": unit.code})
    )


@login_required
@reports_only
def hr_assessments(request):
    user = request.user
    unit = _unit(request, user)
    month = _month(request, user=user, unit=unit)
    records = selectors.month_records(month=month, unit=unit, viewer=user)
    page = Paginator(selectors.export_values(records), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.with_live_exam_state(
        list(selectors.export_rows_of(page.object_list, names=selectors.UnitNames.load()))
    )
    query = urlencode({"month": f"{month:%Y-%m}", "unit": unit.code})
    return render(
        request,
        "assessment/hr/month.html",
        {
            "unit": unit,
            "month": month,
            "month_text": f"{month:%Y-%m}",
            "previous_url": page_url(unit=unit, month=shift_month(month, -1)),
            "next_url": page_url(unit=unit, month=shift_month(month, 1)),
            "unit_options": _unit_options(user),
            "overview": selectors.month_overview(user=user, unit=unit, month=month),
            "header": selectors.EXPORT_HEADER,
            "rows": rows,
            "page": page,
            "query": query,
            "can_manage": can_manage_months(user),
            "exam_charts": _exam_charts(user=user, unit=unit, month=month),
            "weak_chart": _weak_chart(user=user, unit=unit, month=month),
            "trend_chart": _trend_chart(user=user, unit=unit),
            "Status": AssessmentMonth.Status,
            "examples": selectors.schemes_are_examples(unit=unit),
            "stars": selectors.month_stars(user=user, unit=unit, month=month),
            "held_count": selectors.held_changes_for(user=user)
            .filter(status=HeldScoreChange.Status.PENDING)
            .count(),
        },
    )


def _unit_options(user) -> list[tuple[Unit, str]]:
    units = selectors.tree_sorted(visible_units(user))
    top = min((option.depth for option in units), default=0)
    return [(option, "　" * (option.depth - top) + option.name) for option in units]


def _exam_charts(*, user, unit: Unit, month: date) -> list[dict]:
    result = []
    for stats in results.exam_stats(viewer=user, unit=unit, month=month):
        result.append(
            {
                "stats": stats,
                "distribution": charts.bar_chart(
                    title=f"《{stats.title}》成绩分布（人数）",
                    labels=[label for label, _, _ in results.SCORE_BANDS],
                    values=stats.distribution,
                    unit="人",
                    column="人数",
                ),
                "pass_rate": charts.hbar_chart(
                    title=f"《{stats.title}》各班组及格率",
                    labels=[team.team for team in stats.teams],
                    values=[team.pass_rate for team in stats.teams],
                    unit="%",
                    column="及格率",
                ),
            }
        )
    return result


def _weak_chart(*, user, unit: Unit, month: date) -> charts.Chart:
    weakest = results.weakest_categories(viewer=user, unit=unit, month=month)
    return charts.hbar_chart(
        title=f"{unit.name}{month:%Y年%m月}得分率最低的题目分类",
        labels=[item.category for item in weakest],
        values=[item.rate for item in weakest],
        unit="%",
        column="得分率",
    )


def _trend_chart(*, user, unit: Unit) -> charts.Chart:
    trend = selectors.team_trend(user=user, unit=unit)
    return charts.line_chart(
        title=f"{unit.name}月度趋势（平均分）",
        labels=[point.label for point in trend],
        series=[
            ("综合得分", [point.composite for point in trend]),
            ("月度考试", [point.exam for point in trend]),
        ],
    )


def export_period(query) -> tuple[date, date]:
    """The months an export covers: ?month=, or ?from=&to= (at most 36 months), or ?year=;
    ValueError (Chinese) otherwise."""
    year = query.get("year", "").strip()
    if year:
        if not year.isdigit() or not 2000 <= int(year) <= 2100:
            raise ValueError(f"年份“{year}”不正确，应为四位数字，例如 2026。")
        return date(int(year), 1, 1), date(int(year), 12, 1)
    if query.get("from") or query.get("to"):
        first, last = parse_month(query.get("from", "")), parse_month(query.get("to", ""))
        selectors.check_range(first, last)
        return first, last
    month = parse_month(query.get("month", ""))
    return month, month


def _export(request, fmt: str):
    user = request.user
    unit = _unit(request, user)
    try:
        first, last = export_period(request.GET)
    except ValueError as error:
        messages.error(request, f"导出失败：{error}")
        query = {"unit": unit.code}
        if request.GET.get("month"):
            query["month"] = request.GET["month"]
        return redirect(reverse("assessment:hr_assessments") + "?" + urlencode(query))
    if fmt == "csv":
        return exports.csv_response(first=first, last=last, unit=unit, viewer=user)
    return exports.xlsx_response(first=first, last=last, unit=unit, viewer=user)


@login_required
@reports_only
def hr_export_csv(request):
    return _export(request, "csv")


@login_required
@reports_only
def hr_export_xlsx(request):
    return _export(request, "xlsx")


def _month_action(request, action):
    unit = unit_by_code(request.POST.get("unit", ""))
    if unit is None:
        raise Http404("单位不存在。")
    back = unit_by_code(request.POST.get("back", "")) or unit
    try:
        month = parse_month(request.POST.get("month", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(page_url(unit=back, month=month_of(timezone.now())))
    try:
        message = action(unit, month)
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, message)
    return redirect(page_url(unit=back, month=month))


@login_required
@requires(can_manage_months, NO_LOCK_ACCESS)
def hr_lock_month(request):
    """GET: the confirmation page listing what is incomplete in the unit's month. POST: lock —
    with a reason when incomplete; a month already locked stays locked once."""
    data = request.POST if request.method == "POST" else request.GET
    unit = unit_by_code(data.get("unit", ""))
    if unit is None:
        raise Http404("单位不存在。")
    back = unit_by_code(data.get("back", "")) or unit
    try:
        month = parse_month(data.get("month", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(page_url(unit=back, month=month_of(timezone.now())))
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        already = services.month_status(unit=unit, month=month) == AssessmentMonth.Status.LOCKED
        try:
            services.lock_month(unit=unit, month=month, by=request.user, reason=reason)
        except services.AssessmentError as error:
            messages.error(request, str(error))
        else:
            if already:
                messages.info(request, f"{unit.name}{month:%Y年%m月}的考核已经锁定，无需再锁。")
            else:
                messages.success(
                    request, f"已锁定{unit.name}{month:%Y年%m月}的考核，班组长不能再修改。"
                )
            return redirect(page_url(unit=back, month=month))
    status = services.month_status(unit=unit, month=month)
    query = urlencode({"unit": unit.code, "month": f"{month:%Y-%m}", "back": back.code})
    return render(
        request,
        "assessment/team/confirm_close.html",
        {
            "unit": unit,
            "month": month,
            "status": status,
            "status_label": AssessmentMonth.Status(status).label,
            "gaps": selectors.month_gaps(unit=unit, month=month, now=timezone.now()),
            "action_label": "锁定本月考核",
            "action_url": f"{reverse('assessment:hr_lock_month')}?{query}",
            "back_url": page_url(unit=back, month=month),
            "can_act": status == AssessmentMonth.Status.SUBMITTED,
            "reason": reason,
            "after": "锁定后班组长不能再修改；锁定后才算出的考试成绩不会改动记录，列在“待处理成绩变更”中由人资决定重新开放或维持。",
        },
    )


@login_required
@require_POST
@requires(can_manage_months, NO_LOCK_ACCESS)
def hr_reopen_month(request):
    def reopen(unit, month):
        services.reopen_month(
            unit=unit, month=month, by=request.user, reason=request.POST.get("reason", "")
        )
        return f"已重新开放{unit.name}{month:%Y年%m月}的考核，原因已记入变更记录。"

    return _month_action(request, reopen)


@login_required
@reports_only
def held_scores(request):
    """待处理成绩变更: automatic scores that arrived for a submitted or locked month."""
    status = request.GET.get("status", "pending")
    changes = selectors.held_changes_page(user=request.user, status=status)
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessment/hr/held_scores.html",
        {
            "page": page,
            "status": status,
            "statuses": HeldScoreChange.Status.choices,
            "Status": HeldScoreChange.Status,
        },
    )


@login_required
@require_POST
@reports_only
def held_score_decide(request, change_id: int):
    decision = request.POST.get("decision", "")
    if decision not in ("apply", "dismiss"):
        messages.error(request, "请选择“采用”或“不采用”。")
        return redirect("assessment:held_scores")
    try:
        change = services.decide_held_change(
            change_id=change_id,
            by=request.user,
            apply=decision == "apply",
            note=request.POST.get("note", ""),
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"已{change.get_status_display()}：{change.record.profile.name}"
            f"{change.record.month:%Y年%m月}的月度考试成绩变更。",
        )
    return redirect("assessment:held_scores")
