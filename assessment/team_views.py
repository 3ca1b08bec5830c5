"""考核录入: a supervisor enters the team's month in a grid or from an XLSX sheet (all rows or none),
records the team's 服务明星, and submits (after a confirmation page listing what is incomplete)
or withdraws the month. Reading a page changes nothing; saving (any POST) first makes the
month's empty record of everyone in the team, so HR sees the whole team."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from portal.months import month_of
from portal.organisation.permissions import is_supervisor, requires, supervised_units
from portal.organisation.selectors import visible_units
from portal.scope import requested_month, requested_unit

from . import selectors, services, uploads
from .entries import Entry, Problem, changed_values
from .forms import UploadForm
from .models import ENTERED_COMPONENTS, ENTERED_LABELS, AssessmentMonth

NO_SUPERVISOR_ACCESS = "只有班组长、值长可以使用此功能。"
LABELS = ENTERED_LABELS
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

supervisors_only = requires(is_supervisor, NO_SUPERVISOR_ACCESS)


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


def _records_url(unit, month: date) -> str:
    return f"{reverse('assessment:team_records')}?month={month:%Y-%m}&unit={unit.code}"


def _shown(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "normalize"):
        return f"{value.normalize():f}"
    return str(value)


def _prefix(profile) -> str:
    """A grid row's field names: the person's (their record may not exist yet)."""
    return f"p{profile.pk}-"


def _grid(rows, posted=None, problems=None) -> list[dict]:
    by_line = {}
    for problem in problems or []:
        by_line.setdefault(problem.line, []).append(problem.message)
    grid = []
    for line, (profile, record) in enumerate(rows, start=1):
        prefix = _prefix(profile)
        values = []
        for name in ENTERED_COMPONENTS:
            text = _shown(getattr(record, name, None))
            if posted is not None and prefix + name in posted:
                text = posted[prefix + name]
            values.append({"name": prefix + name, "label": LABELS[name], "value": text})
        version = record.version if record is not None else 0
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
    rows = selectors.team_records(by=request.user, unit=unit, month=month)
    status = services.month_status(unit=unit, month=month)
    grid = _grid(rows, posted, problems)
    progress = selectors.exam_progress(people=[profile for profile, _ in rows], month=month)
    held = selectors.held_record_ids(record_ids=[r.pk for _, r in rows if r is not None])
    for row in grid:
        row["exam"] = progress[row["profile"].pk]
        row["late"] = row["record"] is not None and row["record"].pk in held
    scheme = selectors.scheme_for(unit)
    return render(
        request,
        "assessment/team/records.html",
        {
            "scheme": scheme,
            "reopened": selectors.last_reopening(unit=unit, month=month),
            "late_count": sum(1 for row in grid if row["late"]),
            "unit": unit,
            "units": units,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "status": status,
            "status_label": AssessmentMonth.Status(status).label,
            "editable": status == AssessmentMonth.Status.OPEN,
            "grid": grid,
            "labels": [LABELS[name] for name in ENTERED_COMPONENTS],
            "problems": problems or [],
            "upload_form": upload_form or UploadForm(),
            "upload_problems": upload_problems or [],
            "query": f"month={month:%Y-%m}&unit={unit.code}",
        },
    )


def _team_rows(request, unit, month) -> tuple[list, set[int]]:
    """Every row of the team's grid, the missing records made first (and whose they were)."""
    people = [
        profile for profile, _ in selectors.team_records(by=request.user, unit=unit, month=month)
    ]
    created = services.create_missing_records(people=people, month=month)
    return selectors.team_records(by=request.user, unit=unit, month=month), created


def _posted_entries(data, rows, created: set[int]) -> tuple[list[Entry], list[Problem]]:
    """The grid as posted: the rows that changed, and the rows that cannot be read."""
    entries, problems = [], []
    for line, (profile, record) in enumerate(rows, start=1):
        prefix = _prefix(profile)
        raw = {name: data.get(prefix + name) for name in ENTERED_COMPONENTS}
        if any(value is None for value in raw.values()):
            continue  # not on the page that was posted (someone joined the team since)
        who = f"{profile.employee_number} {profile.name}"
        try:
            version = int(data.get(prefix + "version", ""))
        except ValueError:
            problems.append(Problem(line, who, "页面数据不完整，请刷新页面后重新填写。"))
            continue
        if version == 0 and profile.pk in created:
            version = record.version  # the page showed no record; it was made just now
        changes, value_problems = changed_values(record, raw)
        if value_problems:
            problems.append(Problem(line, who, "；".join(value_problems)))
        elif changes:
            entries.append(Entry(line, profile, record, changes, version))
    return entries, problems


def _withdraw(request, unit, month) -> None:
    try:
        services.withdraw_month(unit=unit, month=month, by=request.user, reason="班组长撤回")
        messages.success(request, f"已撤回{unit.name}{month:%Y年%m月}的提交，可以继续修改。")
    except services.AssessmentError as error:
        messages.error(request, str(error))


@login_required
@supervisors_only
def records(request):
    unit, month, units = _unit_and_month(request)
    if request.method != "POST":
        return _records_page(request, unit, month, units)
    rows, created = _team_rows(request, unit, month)
    action = request.POST.get("action", "save")
    if action == "withdraw_month":
        _withdraw(request, unit, month)
        return redirect(_records_url(unit, month))
    entries, problems = _posted_entries(request.POST, rows, created)
    if entries:
        problems = services.save_entries(
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
    rows = selectors.team_records(by=request.user, unit=unit, month=month)
    response = HttpResponse(uploads.template_workbook(rows=rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{unit.name}{month:%Y年%m月}考核录入.xlsx"
    )
    return response


@login_required
@require_POST
@supervisors_only
def records_upload(request):
    unit, month, units = _unit_and_month(request)
    _team_rows(request, unit, month)
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
        problems = services.save_entries(
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


# Submitting the month: a confirmation page that lists what is incomplete -----------------------


@login_required
@supervisors_only
def records_submit(request):
    """GET: what is still missing in the month (people without an exam result and why, missing
    components, exams closing after today). POST: submit — with a reason when incomplete."""
    unit, month, _ = _unit_and_month(request)
    status = services.month_status(unit=unit, month=month)
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.submit_month(unit=unit, month=month, by=request.user, reason=reason)
        except services.AssessmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{unit.name}{month:%Y年%m月}考核已提交，等待人资锁定。")
            return redirect(_records_url(unit, month))
    return render(
        request,
        "assessment/team/confirm_close.html",
        {
            "unit": unit,
            "month": month,
            "status": status,
            "status_label": AssessmentMonth.Status(status).label,
            "gaps": selectors.month_gaps(unit=unit, month=month, now=timezone.now()),
            "action_label": "提交本月考核",
            "action_url": f"{reverse('assessment:team_records_submit')}?month={month:%Y-%m}&unit={unit.code}",
            "back_url": _records_url(unit, month),
            "can_act": status == AssessmentMonth.Status.OPEN,
            "reason": reason,
            "after": "提交后不能再修改，由人资锁定；提交后才算出的考试成绩不会改动记录，而是标为“提交后变更”待处理。",
        },
    )


# 服务明星 (民主选举) ------------------------------------------------------------------------------


def _posted_stars(data, people) -> tuple[dict, list[str]]:
    stars, problems = {}, []
    for person in people:
        if not data.get(f"star-{person.pk}"):
            continue
        raw_votes = (data.get(f"votes-{person.pk}") or "").strip()
        votes = None
        if raw_votes:
            if not raw_votes.isdigit() or int(raw_votes) > 9999:
                problems.append(f"{person.name}：得票数应为 0–9999 的整数。")
                continue
            votes = int(raw_votes)
        stars[person.pk] = (votes, (data.get(f"note-{person.pk}") or "").strip())
    return stars, problems


@login_required
@supervisors_only
def stars(request):
    """The team's 服务明星 of the month, elected at the start of the next month (民主选举): one or
    more people, each with the votes or a note."""
    unit, month, units = _unit_and_month(request)
    rows = selectors.team_records(by=request.user, unit=unit, month=month)
    people = [profile for profile, _ in rows]
    if request.method == "POST":
        chosen, problems = _posted_stars(request.POST, people)
        if not problems and not chosen and request.POST.get("confirm_none") != "1":
            problems.append("请至少选出一位服务明星；若本月不评选，请勾选“本月不评选”。")
        if not problems:
            try:
                services.record_service_stars(by=request.user, unit=unit, month=month, stars=chosen)
            except services.AssessmentError as error:
                problems.append(str(error))
        if not problems:
            names = "、".join(p.name for p in people if p.pk in chosen) or "无"
            messages.success(request, f"已保存{unit.name}{month:%Y年%m月}的服务明星：{names}。")
            return redirect(
                f"{reverse('assessment:team_stars')}?month={month:%Y-%m}&unit={unit.code}"
            )
        for problem in problems:
            messages.error(request, problem)
    status = services.month_status(unit=unit, month=month)
    return render(
        request,
        "assessment/team/stars.html",
        {
            "unit": unit,
            "units": units,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "rows": rows,
            "editable": status == AssessmentMonth.Status.OPEN,
            "status_label": AssessmentMonth.Status(status).label,
            "query": f"month={month:%Y-%m}&unit={unit.code}",
        },
    )
