"""Writing questions as a spreadsheet: one row per question under the header row, as XLSX or CSV
(UTF-8 with a BOM). Text a spreadsheet program would run as a formula is written as text."""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.spreadsheets import csv_row, xlsx_row

from ...bank.answers import LETTERS, format_answer
from ...bank.choices import Difficulty, QuestionType
from ..base import ParsedQuestion
from ..convert import as_parsed
from ..materials import material_fields
from .columns import CONTROL, HEADERS


def format_score(score: Decimal | None):
    if score is None:
        return None
    score = Decimal(score)
    return int(score) if score == score.to_integral_value() else float(score)


def question_row(question: ParsedQuestion, first_of_material: bool = True) -> list:
    """A question's cells; a case-analysis sub-question names its material on every row and
    gives the material's title and text on the material's first row."""
    options = list(question.options or []) + [""] * (len(LETTERS) - len(question.options or []))
    return [
        QuestionType(question.type).label,
        question.stem,
        *options[: len(LETTERS)],
        format_answer(question.type, question.answer or [], one_line=True),
        question.explanation,
        Difficulty(question.difficulty).label,
        question.category_path,
        question.knowledge_point,
        format_score(question.score),
        question.source_note,
        *material_fields(question, first_of_material),
    ]


def question_rows(questions: list[ParsedQuestion]) -> Iterable[list]:
    """Each question's row, a material's title and text written once (on its first row)."""
    written: set[str] = set()
    for question in questions:
        first = question.material_key not in written
        written.add(question.material_key)
        yield question_row(question, first)


def _append_text_row(sheet, row: list) -> None:
    # A stem that starts with "=" (or + - @) is text, never a formula.
    values = [CONTROL.sub("", v) if isinstance(v, str) else v for v in row]
    sheet.append(xlsx_row(sheet=sheet, values=values))


def workbook_bytes(questions: list[ParsedQuestion], *, instructions: list | None = None) -> bytes:
    """The questions on a 试题 sheet (and, given `instructions`, a 说明 sheet of them)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "试题"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in question_rows(questions):
        _append_text_row(sheet, row)
    widths = [8, 48, *[16] * len(LETTERS), 14, 30, 6, 18, 14, 6, 16, 12, 18, 60]
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "C2"
    if instructions:
        notes = workbook.create_sheet("说明")
        for row in instructions:
            notes.append(list(row))
        notes["A1"].font = notes["B1"].font = Font(bold=True)
        notes.column_dimensions["A"].width = 16
        notes.column_dimensions["B"].width = 100
        for row in notes.iter_rows():
            row[1].alignment = Alignment(wrap_text=True)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export_xlsx(questions: Iterable, skipped: list | None = None) -> bytes:
    """Every question fits a spreadsheet row: none is left out (`skipped` stays as it is)."""
    return workbook_bytes(as_parsed(questions))


def export_csv(questions: Iterable, skipped: list | None = None) -> bytes:
    """UTF-8 with a BOM, so that Excel on Chinese Windows opens it correctly. Every question fits
    a row: none is left out."""
    output = io.StringIO(newline="")
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in question_rows(as_parsed(questions)):
        # Text that starts like a formula gets a leading quote; read_csv takes it off again.
        writer.writerow(csv_row("" if v is None else v for v in row))
    return output.getvalue().encode("utf-8-sig")
