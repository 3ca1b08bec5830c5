"""变更记录: the append-only audit log of assessment records and months, read where people work —
HR for any unit, person, month and kind (with the exams' change log), a supervisor for their
scope (a person or unit outside it is 404), exported as CSV or XLSX. Staff read their own
record's history under 我的考核."""

import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header, urlencode

from portal.months import parse_month
from portal.organisation.models import StaffProfile
from portal.organisation.permissions import can_see_everyone, can_view_reports, requires
from portal.organisation.selectors import unit_by_code, visible_profiles, visible_units
from quizzes import results

from . import exports, selectors

PAGE_SIZE = 100
EXAM_CHANGES = "exam_change"  # the exams' own change log (HR), beside the records' kinds
MAX_EXPORT_ROWS = 50_000
NO_AUDIT_ACCESS = "只有人资和班组长、值长可以查看变更记录；员工请在“我的考核”查看本人记录的变更。"


def _filters(request):
    """unit, person, month, kind from the query; a unit or person outside the viewer's scope is
    404, a malformed month is ignored with a message."""
    user = request.user
    unit = person = month = None
    problems = []
    code = request.GET.get("unit", "").strip()
    if code:
        unit = unit_by_code(code)
        if unit is None or not visible_units(user).filter(pk=unit.pk).exists():
            raise Http404("单位不存在或不在您的管辖范围内。")
    number = request.GET.get("person", "").strip()
    if number:
        person = StaffProfile.objects.filter(employee_number=number).first()
        if person is None or not visible_profiles(user).filter(pk=person.pk).exists():
            raise Http404("人员不存在或不在您的管辖范围内。")
        if person.user_id == user.pk and not can_see_everyone(user):
            raise Http404("本人记录的变更请在“我的考核”查看。")
    text = request.GET.get("month", "").strip()
    if text:
        try:
            month = parse_month(text)
        except ValueError as error:
            problems.append(str(error))
    kind = request.GET.get("kind", "")
    if kind not in selectors.AUDIT_KINDS and kind != EXAM_CHANGES:
        kind = ""
    return unit, person, month, kind, problems


def _export(rows, fmt: str) -> HttpResponse:
    if fmt == "csv":
        body = io.StringIO()
        exports.write_csv(rows, body, selectors.AUDIT_HEADER)
        response = HttpResponse(
            body.getvalue().encode("utf-8"), content_type=exports.CSV_CONTENT_TYPE
        )
    else:
        body = io.BytesIO()
        from openpyxl import Workbook

        from portal.spreadsheets import xlsx_row

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("变更记录")
        for column, width in zip("ABCDEFGHIJ", (17, 9, 14, 10, 9, 10, 16, 16, 40, 16), strict=True):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A2"
        sheet.append(selectors.AUDIT_HEADER)
        count = 0
        for row in rows:
            sheet.append(xlsx_row(sheet=sheet, values=row))
            count += 1
        sheet.auto_filter.ref = f"A1:J{count + 1}"
        workbook.save(body)
        response = HttpResponse(body.getvalue(), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"考核变更记录.{fmt}"
    )
    return response


@login_required
@requires(can_view_reports, NO_AUDIT_ACCESS)
def audit_log(request):
    user = request.user
    unit, person, month, kind, problems = _filters(request)
    entries = selectors.audit_entries(viewer=user, unit=unit, person=person, month=month, kind=kind)
    if kind == EXAM_CHANGES:
        entries = entries.none()  # only the exams' changes, listed below
    fmt = request.GET.get("format", "")
    if fmt in exports.FORMATS:
        return _export((selectors.audit_row(e) for e in entries[:MAX_EXPORT_ROWS]), fmt)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {
        key: value
        for key, value in (
            ("unit", unit.code if unit else ""),
            ("person", person.employee_number if person else ""),
            ("month", f"{month:%Y-%m}" if month else ""),
            ("kind", kind),
        )
        if value
    }
    exam_changes = []
    if can_see_everyone(user) and kind in ("", EXAM_CHANGES) and person is None:
        exam_changes = results.exam_changes(month=month)[:100]
    return render(
        request,
        "assessment/hr/audit.html",
        {
            "rows": [selectors.audit_row(entry) for entry in page.object_list],
            "page": page,
            "header": selectors.AUDIT_HEADER,
            "unit": unit,
            "person": person,
            "month_text": f"{month:%Y-%m}" if month else "",
            "kind": kind,
            "kinds": [(key, label) for key, (label, _) in selectors.AUDIT_KINDS.items()]
            + ([(EXAM_CHANGES, "考试变更")] if can_see_everyone(user) else []),
            "units": selectors.tree_sorted(visible_units(user)),
            "query": urlencode(query),
            "problems": problems,
            "exam_changes": exam_changes,
        },
    )
