"""Monthly assessment exports for HR and payroll: CSV (UTF-8 with a byte-order mark, so Excel on
Chinese Windows opens it) and XLSX (openpyxl write-only). Both stream: the rows come from the
database in chunks, so a large company's year never sits in memory at once. The numbers are the
stored values, the same the supervisors' grid shows; the month is the record's stored month
(Asia/Shanghai), never a UTC timestamp. Text that a spreadsheet program would run as a formula
(a name or unit starting with = + - @) is written as text (portal.spreadsheets)."""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook

from portal.organisation.models import Unit
from portal.spreadsheets import csv_row, xlsx_row

from .selectors import EXPORT_HEADER, export_rows

BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def file_name(*, month: date, unit: Unit | None, extension: str) -> str:
    """月度考核_中心营业厅_2026-12.xlsx"""
    return f"月度考核_{unit.name if unit else '全部单位'}_{month:%Y-%m}.{extension}"


CSV_CHUNK_BYTES = 64 * 1024


class _Line:
    """A write-only file for csv.writer: returns each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """The BOM and header first, then one CSV line per row."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(EXPORT_HEADER)
    write = writer.writerow
    for row in rows:
        # The csv module writes None as an empty cell and numbers with str(), which for the
        # stored decimals (two places) is their plain text; converting each cell here first
        # cost as much as the rest of the export. csv_row only looks at text cells.
        yield write(csv_row(row))


def csv_chunks(rows: Iterable[list]) -> Iterator[bytes]:
    """The CSV as UTF-8 blocks of about 64 KB: one write per block, not per line."""
    buffer: list[str] = []
    size = 0
    for line in csv_lines(rows):
        buffer.append(line)
        size += len(line)
        if size >= CSV_CHUNK_BYTES // 3:  # a Chinese character is three bytes
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def write_csv(rows: Iterable[list], handle: IO[str]) -> int:
    """Write the CSV (with BOM) to a text file; returns the number of data rows."""
    lines = csv_lines(rows)
    handle.write(next(lines))
    count = 0
    for line in lines:
        handle.write(line)
        count += 1
    return count


def write_xlsx(rows: Iterable[list], handle: IO[bytes], *, title: str) -> int:
    """Write an XLSX workbook (write-only mode: rows are flushed, not kept) to a binary file.
    Decimals are written as numbers, exactly as their text; returns the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(EXPORT_HEADER)
    count = 0
    for row in rows:
        sheet.append(xlsx_row(sheet=sheet, values=row))
        count += 1
    workbook.save(handle)
    return count


def csv_response(*, month: date, unit: Unit | None, viewer) -> StreamingHttpResponse:
    rows = export_rows(month=month, unit=unit, viewer=viewer)
    response = StreamingHttpResponse(csv_chunks(rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=file_name(month=month, unit=unit, extension="csv")
    )
    return response


def xlsx_response(*, month: date, unit: Unit | None, viewer) -> FileResponse:
    """Built into a temporary file (deleted when the response closes it), then streamed."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — the response closes it
    write_xlsx(
        export_rows(month=month, unit=unit, viewer=viewer),
        handle,
        title=f"{month:%Y-%m}月度考核",
    )
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=file_name(month=month, unit=unit, extension="xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )
