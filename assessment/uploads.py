"""A team's month as a spreadsheet: the XLSX template to fill in, and reading an uploaded sheet
row by row into entries and problems (services.save_entries then saves all rows or none).

An upload is opened by portal.spreadsheets.open_xlsx (size, zip bomb, rows and columns checked
before openpyxl reads it), in read-only mode *without* data_only: a formula's cached value may
be missing (files written by other tools have none), so formula cells are refused with a message
instead of being read as blank, and error cells (#DIV/0! …) are refused too.
"""

import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from portal.organisation.models import StaffProfile, Unit
from portal.spreadsheets import (
    UNREADABLE_CODES,
    SpreadsheetRefused,
    XlsxLimits,
    open_xlsx,
    xlsx_row,
)

from .entries import Entry, Problem, changed_values
from .models import ENTERED_COMPONENTS, ENTERED_LABELS, AssessmentRecord
from .selectors import existing_employee_numbers, team_records

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SHEET_ROWS = 5000
# A team's sheet is 8 columns of at most MAX_SHEET_ROWS people; these leave room for blank and
# styled rows and a few extra columns and sheets. An 817 KB file unpacking to GBs is refused.
SHEET_LIMITS = XlsxLimits(
    max_file_bytes=MAX_UPLOAD_BYTES,
    max_unpacked_bytes=25 * 1024 * 1024,
    max_sheets=20,
    max_rows=10_000,
    max_columns=50,
    max_cells=200_000,
)
LABELS = ENTERED_LABELS
HEADERS = ["工号", "姓名", *[LABELS[name] for name in ENTERED_COMPONENTS]]
UNREADABLE = (
    "文件无法读取：请上传用本页“下载模板”得到的 .xlsx 文件（不支持 .xls、.csv 或损坏的文件）。"
)


class UploadError(Exception):
    """The file as a whole cannot be used; the message (Chinese) is shown as it is."""


# The XLSX template -----------------------------------------------------------------------------


def template_workbook(*, rows: list[tuple[StaffProfile, AssessmentRecord | None]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考核录入"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for profile, record in rows:
        values = [getattr(record, name) if record else None for name in ENTERED_COMPONENTS]
        # A name that starts with "=" stays a name (never a formula) when the sheet is opened.
        sheet.append(xlsx_row(sheet=sheet, values=[profile.employee_number, profile.name, *values]))
    for letter, width in zip("ABCDEFGH", (10, 10, 10, 12, 10, 12, 10, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# Reading an uploaded sheet ---------------------------------------------------------------------


def _cell(cell, label: str):
    """A cell's value for parse_component; ValueError (Chinese) for formulas, errors, dates."""
    if cell is None:
        return None
    kind = getattr(cell, "data_type", None)
    value = getattr(cell, "value", None)
    if kind == "f" or (isinstance(value, str) and value.startswith("=")):
        raise ValueError(f"{label}是公式，请复制后“选择性粘贴为数值”再上传")
    if kind == "e":
        raise ValueError(f"{label}是错误值 {value}")
    if isinstance(value, (datetime, date)):
        raise ValueError(f"{label}应为数字，不是日期")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "%" in (getattr(cell, "number_format", "") or ""):
            # 98% typed into a percentage cell is stored as 0.98.
            return f"{round(value * 100, 6)}"
        return f"{value}"
    return value


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value or "").strip()


def _refusal_message(refusal: SpreadsheetRefused) -> str:
    # A file that is no .xlsx at all gets this page's own advice (use the template).
    return UNREADABLE if refusal.code in UNREADABLE_CODES else refusal.message


def _sheet_rows(file) -> list[tuple[int, list]]:
    """The active sheet's rows (line, cells); UploadError when the file cannot be read at all."""
    try:
        file.seek(0)
        # One byte more than allowed is enough for open_xlsx to refuse a larger file.
        workbook = open_xlsx(data=file.read(SHEET_LIMITS.max_file_bytes + 1), limits=SHEET_LIMITS)
    except SpreadsheetRefused as refusal:
        raise UploadError(_refusal_message(refusal)) from refusal
    try:
        sheet = workbook.active
        if sheet is None:
            raise UploadError(UNREADABLE)
        raw_rows = []
        # Formula cells are reported row by row (and then nothing is saved).
        for line, cells in sheet.rows(refuse_formulas=False):
            if line > MAX_SHEET_ROWS + 1:
                raise UploadError(f"数据行超过 {MAX_SHEET_ROWS} 行，请分批上传。")
            raw_rows.append((line, cells))
    except UploadError:
        raise
    except SpreadsheetRefused as refusal:
        raise UploadError(_refusal_message(refusal)) from refusal
    except Exception as error:
        raise UploadError(UNREADABLE) from error
    finally:
        workbook.close()
    if not raw_rows:
        raise UploadError("表格是空的：第 1 行应为表头（工号、姓名、出勤率……）。")
    return raw_rows


class _Columns:
    """Where each column is, from the header row (the template's headers; 姓名 may be missing)."""

    def __init__(self, header_cells):
        self.index = {
            str(cell.value).strip(): index
            for index, cell in enumerate(header_cells)
            if getattr(cell, "value", None) is not None
        }
        missing = [name for name in HEADERS if name != "姓名" and name not in self.index]
        if missing:
            raise UploadError("第 1 行表头缺少：" + "、".join(missing) + "。请使用本页下载的模板。")

    def cell(self, cells, name):
        index = self.index.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    def text(self, cells, name) -> str:
        return str(getattr(self.cell(cells, name), "value", "") or "").strip()


class _Checker:
    """Whether a row's person may be entered by `by` for this team."""

    def __init__(self, *, by, unit: Unit, team: dict, known: set[str]):
        self.by, self.unit, self.team, self.known = by, unit, team, known
        self.own_number = getattr(getattr(by, "staff_profile", None), "employee_number", None)
        self.seen: dict[str, int] = {}

    def problem(self, line: int, number: str, name: str) -> str:
        """Why this row's person cannot be entered ("" when they can)."""
        if not number:
            return "工号为空"
        if number in self.seen:
            return f"工号 {number} 重复（第 {self.seen[number]} 行已出现）"
        self.seen[number] = line
        if number not in self.known:
            return f"工号 {number} 不存在"
        if number == self.own_number:
            return "不能录入本人的考核记录，请由上级录入"
        if number not in self.team:
            return f"{number} 不在{self.unit.name}的在职人员中，您不能录入其考核数据"
        profile = self.team[number][0]
        if name and name != profile.name:
            return f"姓名与工号不符（工号 {number} 是 {profile.name}）"
        return ""


def _row_values(columns: _Columns, cells) -> tuple[dict, list[str]]:
    raw, problems = {}, []
    for component in ENTERED_COMPONENTS:
        try:
            raw[component] = _cell(columns.cell(cells, LABELS[component]), LABELS[component])
        except ValueError as error:
            problems.append(str(error))
    return raw, problems


def read_sheet(*, file, by, unit: Unit, month: date) -> tuple[list[Entry], list[Problem]]:
    """Every row of the sheet checked; (entries to save, problems). Raises UploadError when the
    file cannot be read at all."""
    team = {
        profile.employee_number: (profile, record)
        for profile, record in team_records(by=by, unit=unit, month=month)
    }
    raw_rows = _sheet_rows(file)
    columns = _Columns(raw_rows[0][1])
    numbers = {
        _number(getattr(columns.cell(cells, "工号"), "value", None)) for _, cells in raw_rows[1:]
    }
    checker = _Checker(by=by, unit=unit, team=team, known=existing_employee_numbers(numbers))
    entries, problems = [], []
    for line, cells in raw_rows[1:]:
        if all(getattr(cell, "value", None) in (None, "") for cell in cells):
            continue
        number = _number(getattr(columns.cell(cells, "工号"), "value", None))
        name = columns.text(cells, "姓名")
        who = f"{number} {name}".strip() or "—"
        problem = checker.problem(line, number, name)
        if problem:
            problems.append(Problem(line, who, problem))
            continue
        profile, record = team[number]
        raw, cell_problems = _row_values(columns, cells)
        changes, value_problems = changed_values(record, raw)
        if cell_problems or value_problems:
            problems.append(Problem(line, who, "；".join(cell_problems + value_problems)))
        elif changes:
            version = record.version if record else None
            entries.append(Entry(line, profile, record, changes, version))
    if not checker.seen and not problems:
        raise UploadError("表格里没有数据行：请在表头下逐行填写工号和各项数据。")
    return entries, problems
