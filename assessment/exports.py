"""Monthly assessment exports for HR and payroll: one month, a range of months or a year.

CSV (UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it) has the per-person rows;
XLSX (XlsxWriter, constant-memory mode) has them on a sheet with a title row, a frozen header, column widths,
number formats and a filter, plus a per-unit summary sheet (average, distribution, pass rate,
ranking, 服务明星). Both stream: the rows come from the database in chunks, so a large company's
year never sits in memory at once. The numbers are the stored values, the same the supervisors'
grid shows; the month is the record's stored month (Asia/Shanghai), never a UTC timestamp. Text
that a spreadsheet program would run as a formula is written as text (portal.spreadsheets)."""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from portal.organisation.models import Unit
from portal.spreadsheets import (
    HEADER_STYLE,
    QUOTED,
    TITLE_STYLE,
    RowsSheet,
    csv_row,
    rows_workbook,
)

from .models import EXAMPLE_NOTE
from .selectors import (
    EXPORT_HEADER,
    SUMMARY_HEADER,
    export_rows,
    schemes_are_examples,
    unit_summary,
)

BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# Widths (characters) and number formats of the person sheet's columns, by header.
WIDTHS = {"工号": 10, "姓名": 9, "单位": 16, "班组": 12, "岗位": 10, "月份": 9, "考核方案": 30}
NUMBER_FORMATS = {
    "月度考试": "0.00",
    "出勤率": "0.00",
    "工作差错率": "0.00",
    "投诉次数": "0",
    "服务客户数": "0",
    "投诉率": "0.000",
    "满意率": "0.00",
    "服务礼仪": "0.00",
    "综合得分": "0.00",
    "奖金系数": "0.00",
    "得票数": "0",
    "平均综合分": "0.00",
    "最高分": "0.00",
    "最低分": "0.00",
    "及格率（%）": "0.0",
}
SUMMARY_WIDTHS = {"单位": 16, "班组": 14, "等级分布": 28, "服务明星": 24}


def period_text(first: date, last: date) -> str:
    if first == last:
        return f"{first:%Y-%m}"
    return f"{first:%Y-%m}至{last:%Y-%m}"


def file_name(*, unit: Unit | None, extension: str, month=None, first=None, last=None) -> str:
    """月度考核_中心营业厅_2026-12.xlsx, 月度考核_全部单位_2026-01至2026-12.csv"""
    first, last = first or month, last or month
    return f"月度考核_{unit.name if unit else '全部单位'}_{period_text(first, last)}.{extension}"


CSV_CHUNK_BYTES = 64 * 1024


class _Line:
    """A write-only file for csv.writer: returns each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


# Where a field of a written line may start with a formula character or a quote (after the line's
# start or a comma, perhaps inside the csv module's quotes). A line without one needs no look at
# its fields: csv_row would leave every field as it is. A line with one (or a false alarm, such as
# a negative number or ",=" inside a quoted field) is written again through csv_row.
_MAYBE_FORMULA = re.compile(r"""(?:^|,)"?[=+\-@\t\r']""")


def csv_lines(rows: Iterable[list], header: list[str] = EXPORT_HEADER) -> Iterator[str]:
    """The BOM and header first, then one CSV line per row."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(header)
    write = writer.writerow
    suspicious = _MAYBE_FORMULA.search
    for row in rows:
        # The csv module writes None as an empty cell and numbers with str(), which for the
        # stored decimals is their plain text. csv_row only changes text cells.
        line = write(row)
        yield write(csv_row(row)) if suspicious(line) else line


def csv_chunks(rows: Iterable[list]) -> Iterator[bytes]:
    """The CSV as UTF-8 blocks of about 64 KB: one write per block, not per line."""
    buffer: list[str] = []
    append = buffer.append
    size = 0
    limit = CSV_CHUNK_BYTES // 3  # a Chinese character is three bytes
    for line in csv_lines(rows):
        append(line)
        size += len(line)
        if size >= limit:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
            size = 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def write_csv(rows: Iterable[list], handle: IO[str], header: list[str] = EXPORT_HEADER) -> int:
    """Write the CSV (with BOM) to a text file; returns the number of data rows."""
    lines = csv_lines(rows, header)
    handle.write(next(lines))
    count = 0
    for line in lines:
        handle.write(line)
        count += 1
    return count


def _widths(header: list[str], widths: dict) -> list[int]:
    return [widths.get(column, max(8, len(column) * 2 + 2)) for column in header]


def _sheet(
    workbook, styles: dict, *, title: str, heading: str, note: str, header: list[str], widths: dict
):
    """A sheet with its title row, a note row and the bold header row (row 3), the header frozen
    and column widths set."""
    sheet = workbook.add_worksheet(title[:31], worksheet_class=RowsSheet)
    sheet.set_widths(_widths(header, widths))
    sheet.freeze_panes(3, 2)
    sheet.write_rows(first_row=0, rows=[[heading]], text_formats=styles["title"])
    sheet.write_rows(first_row=1, rows=[[note]], text_formats=styles["plain"])
    sheet.write_rows(first_row=2, rows=[header], text_formats=styles["header"])
    return sheet


def _styles(workbook) -> dict:
    """The workbook's formats, made once: (text, text that looks like a formula) pairs for the
    title, header and plain rows, and a number format by header."""
    return {
        "title": (workbook.add_format(TITLE_STYLE), workbook.add_format(TITLE_STYLE | QUOTED)),
        "header": (workbook.add_format(HEADER_STYLE), workbook.add_format(HEADER_STYLE | QUOTED)),
        "plain": (None, workbook.add_format(QUOTED)),
        "numbers": {
            number_format: workbook.add_format({"num_format": number_format})
            for number_format in sorted(set(NUMBER_FORMATS.values()))
        },
    }


def _data(sheet, styles: dict, header: list[str], rows: Iterable[list]) -> int:
    """The rows below the header, numbers formatted by column; then the filter over them.
    Returns how many rows were written."""
    numbers = [styles["numbers"].get(NUMBER_FORMATS.get(column)) for column in header]
    end = sheet.write_rows(
        first_row=3, rows=rows, text_formats=styles["plain"], number_formats=numbers
    )
    sheet.autofilter(2, 0, max(end - 1, 2), len(header) - 1)
    return end - 3


def _note(*, unit: Unit | None, count_label: str) -> str:
    stamp = f"导出时间 {timezone.localtime():%Y-%m-%d %H:%M}（北京时间）"
    parts = [count_label, stamp]
    if schemes_are_examples(unit=unit):
        parts.append(f"考核方案的权重、扣分和等级为{EXAMPLE_NOTE}")
    return "；".join(parts)


def write_xlsx(
    rows: Iterable[list],
    handle: IO[bytes],
    *,
    title: str,
    unit: Unit | None = None,
    summary: list[list] | None = None,
) -> int:
    """Write the workbook to a binary file: the person sheet (title, note, header in row 3,
    frozen, filtered, formatted) and, if given, the per-unit summary sheet. Returns the number of
    person rows. XlsxWriter in constant-memory mode (portal.spreadsheets.RowsSheet): one row in
    memory at a time, about twice openpyxl's write-only speed, and text is never a formula."""
    scope = f"{unit.name}（含下级单位）" if unit else "全部单位"
    with rows_workbook(handle) as workbook:
        styles = _styles(workbook)
        sheet = _sheet(
            workbook,
            styles,
            title="考核明细",
            heading=f"{title} · {scope}",
            note=_note(unit=unit, count_label="每人每月一行"),
            header=EXPORT_HEADER,
            widths=WIDTHS,
        )
        count = _data(sheet, styles, EXPORT_HEADER, rows)
        if summary is not None:
            sheet = _sheet(
                workbook,
                styles,
                title="单位汇总",
                heading=f"{title} · {scope} · 各单位汇总",
                note=_note(
                    unit=unit,
                    count_label="及格率为综合得分 60 分及以上者所占比例；排名按当月平均综合分",
                ),
                header=SUMMARY_HEADER,
                widths=SUMMARY_WIDTHS,
            )
            _data(sheet, styles, SUMMARY_HEADER, summary)
    return count


def csv_response(
    *, unit: Unit | None, viewer, month=None, first=None, last=None
) -> StreamingHttpResponse:
    first, last = first or month, last or month
    rows = export_rows(first=first, last=last, unit=unit, viewer=viewer)
    response = StreamingHttpResponse(csv_chunks(rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=file_name(first=first, last=last, unit=unit, extension="csv")
    )
    return response


def xlsx_response(*, unit: Unit | None, viewer, month=None, first=None, last=None) -> FileResponse:
    """Built into a temporary file (deleted when the response closes it), then streamed."""
    first, last = first or month, last or month
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — the response closes it
    write_xlsx(
        export_rows(first=first, last=last, unit=unit, viewer=viewer),
        handle,
        title=f"{period_text(first, last)}月度考核",
        unit=unit,
        summary=unit_summary(first=first, last=last, unit=unit, viewer=viewer),
    )
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=file_name(first=first, last=last, unit=unit, extension="xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )
