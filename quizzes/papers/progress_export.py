"""A team exam's progress and scores as a file for supervisors and HR: one row per person of the
viewer's scope (工号, 姓名, 班组, 状态, 交卷时间, 得分, 满分, 百分制, 是否及格)."""

import csv
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook

from portal.spreadsheets import csv_row, xlsx_row

from .. import results
from .models import Exam


def response(*, exam: Exam, rows, fmt: str) -> HttpResponse:
    """CSV with a byte-order mark, or XLSX with a frozen header and a filter."""
    header = ["工号", "姓名", "班组", "状态", "交卷时间", "得分", "满分", "百分制", "是否及格"]
    table = []
    for row in rows:
        attempt = row.attempt
        graded = attempt is not None and attempt.score is not None
        table.append(
            [
                row.profile.employee_number,
                row.profile.name,
                row.profile.unit.name,
                row.state_label,
                f"{timezone.localtime(attempt.submitted_at):%Y-%m-%d %H:%M}"
                if attempt is not None and attempt.submitted_at
                else "",
                attempt.score if graded else None,
                attempt.max_score if graded else None,
                results.percentage(attempt.score, attempt.max_score) if graded else None,
                {True: "及格", False: "不及格"}.get(attempt.passed, "") if attempt else "",
            ]
        )
    name = f"{exam.title}_考试进度.{fmt}"
    if fmt == "csv":
        body = io.StringIO()
        body.write("\ufeff")
        writer = csv.writer(body)
        writer.writerow(header)
        writer.writerows(csv_row(row) for row in table)
        response = HttpResponse(
            body.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("考试进度")
        sheet.freeze_panes = "C2"
        sheet.append(header)
        for row in table:
            sheet.append(xlsx_row(sheet=sheet, values=row))
        sheet.auto_filter.ref = f"A1:I{len(table) + 1}"
        body = io.BytesIO()
        workbook.save(body)
        response = HttpResponse(
            body.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
