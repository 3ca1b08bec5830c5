"""Spreadsheets in and out (portal.spreadsheets): a zip bomb on every upload path is refused before
openpyxl parses it, with a Chinese message, nothing written and memory bounded; every limit of the
loader; and no CSV or XLSX we write holds a cell that a spreadsheet program would evaluate."""

import csv
import dataclasses
import functools
import io
import struct
import tracemalloc
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from assessment import exports, selectors, uploads
from assessment.models import AssessmentRecord, AuditEntry
from assessment.selectors import EXPORT_HEADER
from portal.organisation.models import StaffProfile, Unit
from portal.spreadsheets import (
    FORMULA_STARTS,
    MAX_MEMBERS,
    SpreadsheetRefused,
    XlsxLimits,
    csv_cell,
    csv_text,
    open_xlsx,
    xlsx_row,
)
from quizzes.interchange.base import FileRejected, ParsedQuestion
from quizzes.interchange.formats import read_file
from quizzes.interchange.spreadsheet.reader import read_csv, read_xlsx
from quizzes.interchange.spreadsheet.template import template_csv, template_xlsx
from quizzes.interchange.spreadsheet.writer import export_csv, export_xlsx
from quizzes.models import Question, QuestionImport

MB = 1024 * 1024
# What the refusal of a bomb may allocate (the bomb itself is 0.6 MB; parsing it would take GBs).
MEMORY_BOUND = 40 * MB
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"
SHEET = "xl/worksheets/sheet1.xml"
TEAM_HEADER = ["工号", "姓名", "出勤率", "差错率", "投诉", "满意度", "服务礼仪"]
SMALL = XlsxLimits(
    max_file_bytes=MB,
    max_unpacked_bytes=10 * MB,
    max_sheets=2,
    max_rows=5,
    max_columns=4,
    max_cells=12,
)


def workbook_bytes(*rows, header=TEAM_HEADER, sheets=1) -> bytes:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(list(row))
    for number in range(1, sheets):
        workbook.create_sheet(f"表{number}")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def with_sheet(write, *, base: bytes | None = None, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A real .xlsx (openpyxl's) whose first sheet is what `write(stream)` writes."""
    source = zipfile.ZipFile(io.BytesIO(base or workbook_bytes()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename == SHEET:
                with archive.open(SHEET, "w") as stream:
                    write(stream)
            else:
                archive.writestr(info.filename, source.read(info.filename))
    return output.getvalue()


@functools.cache
def xlsx_bomb() -> bytes:
    """A sheet of 256 MB of repeated rows, packed into about 0.6 MB: parsed, it took GBs."""
    row = b"<row><c><v>1</v></c></row>"
    block = row * (MB // len(row))

    def write(stream):
        stream.write(SHEET_HEAD)
        for _ in range(256):
            stream.write(block)
        stream.write(SHEET_TAIL)

    return with_sheet(write)


def test_the_bomb_is_small_and_real():
    data = xlsx_bomb()
    assert len(data) < MB
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET)
    assert info.file_size > 250 * MB


def bounded(call):
    """(what call returned or raised, peak Python memory while it ran)."""
    tracemalloc.start()
    try:
        try:
            outcome = call()
        except Exception as error:  # noqa: BLE001 - returned for the test to look at
            outcome = error
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


UNPACKED = "Excel 文件解压后过大"


# The bomb on every upload path ------------------------------------------------------------------


def test_loader_refuses_the_bomb_before_openpyxl_reads_it():
    limits = XlsxLimits(
        max_file_bytes=20 * MB,
        max_unpacked_bytes=100 * MB,
        max_sheets=20,
        max_rows=50_000,
        max_columns=100,
        max_cells=500_000,
    )
    refusal, peak = bounded(lambda: open_xlsx(data=xlsx_bomb(), limits=limits))
    assert isinstance(refusal, SpreadsheetRefused) and refusal.code == "unpacked"
    assert UNPACKED in refusal.message and "256 MB" in refusal.message
    assert peak < MEMORY_BOUND


def test_question_import_service_refuses_the_bomb():
    refusal, peak = bounded(lambda: read_file(xlsx_bomb(), "题库.xlsx"))
    assert isinstance(refusal, FileRejected) and UNPACKED in str(refusal)
    assert peak < MEMORY_BOUND


@pytest.mark.django_db
def test_admin_import_refuses_the_bomb_and_keeps_nothing(client, editor_user):
    client.force_login(editor_user)
    questions = Question.objects.count()
    response, peak = bounded(
        lambda: client.post(
            "/admin/quizzes/import/",
            {
                "file": SimpleUploadedFile("题库.xlsx", xlsx_bomb()),
                "format": "auto",
                "category": "",
                "status": "active",
            },
        )
    )
    assert response.status_code == 200
    assert "无法导入“题库.xlsx”：Excel 文件解压后过大" in response.content.decode()
    assert not QuestionImport.objects.exists() and Question.objects.count() == questions
    assert peak < MEMORY_BOUND


@pytest.mark.django_db
def test_import_command_refuses_the_bomb_and_keeps_nothing(tmp_path):
    path = tmp_path / "炸弹.xlsx"
    path.write_bytes(xlsx_bomb())
    questions = Question.objects.count()
    refusal, peak = bounded(lambda: call_command("import_questions", str(path)))
    assert isinstance(refusal, CommandError)
    assert str(refusal).startswith("无法导入 炸弹.xlsx：Excel 文件解压后过大")
    assert not QuestionImport.objects.exists() and Question.objects.count() == questions
    assert peak < MEMORY_BOUND


def team_upload(client, content: bytes):
    return client.post(
        "/team/records/upload/?unit=CG-YYT-2&month=2026-11",
        {"file": SimpleUploadedFile("考核.xlsx", content)},
        follow=True,
    )


def nothing_saved() -> bool:
    return (
        not AuditEntry.objects.exists()
        and not AssessmentRecord.objects.filter(attendance_rate__isnull=False).exists()
    )


@pytest.mark.django_db
def test_team_upload_refuses_the_bomb_and_saves_nothing(client, team_leader):
    client.force_login(team_leader)
    client.get("/team/records/?unit=CG-YYT-2&month=2026-11")
    response, peak = bounded(lambda: team_upload(client, xlsx_bomb()))
    assert response.status_code == 200
    assert UNPACKED in response.content.decode()
    assert nothing_saved()
    assert peak < MEMORY_BOUND


@pytest.mark.django_db
def test_team_upload_refuses_a_dense_sheet_within_the_size_limits(client, team_leader):
    """Stored without compression (no ratio to notice) and under 5 MB: 100,000 rows of a sheet
    that states no size, which openpyxl would build in memory when it opens the workbook."""

    def write(stream):
        stream.write(SHEET_HEAD)
        for number in range(1, 100_001):
            stream.write(b'<row r="%d"><c r="C%d"><v>9</v></c></row>' % (number, number))
        stream.write(SHEET_TAIL)

    content = with_sheet(write, compression=zipfile.ZIP_STORED)
    assert len(content) < 5 * MB
    client.force_login(team_leader)
    response, peak = bounded(lambda: team_upload(client, content))
    assert "表格超过 10,000 行（含空行），已拒绝读取" in response.content.decode()
    assert nothing_saved()
    assert peak < MEMORY_BOUND


# The loader's other limits ----------------------------------------------------------------------


def refused(data: bytes, limits: XlsxLimits = SMALL) -> SpreadsheetRefused:
    with pytest.raises(SpreadsheetRefused) as caught:
        open_xlsx(data=data, limits=limits)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)
    return caught.value


def limits(**changes) -> XlsxLimits:
    return dataclasses.replace(SMALL, **changes)


SHORT_HEADER = ["工号", "姓名", "出勤率"]


def test_a_good_workbook_opens_and_reads():
    data = workbook_bytes(["DL1020", "罗斌", 98], header=SHORT_HEADER)
    with open_xlsx(data=data, limits=SMALL) as book:
        rows = [[cell.value for cell in cells] for _, cells in book.active.rows()]
        assert [sheet.title for sheet in book.sheets] == ["Sheet"]
    assert rows == [SHORT_HEADER, ["DL1020", "罗斌", 98]]


def test_rows_columns_cells_and_sheets_are_limited():
    assert refused(workbook_bytes(*[[1]] * 5, header=["x"])).code == "rows"  # 6 rows > 5
    far = Workbook()
    far.active["XFD1"] = 1  # one cell that openpyxl would reach with 16,383 empty ones
    output = io.BytesIO()
    far.save(output)
    refusal = refused(output.getvalue())
    assert refusal.code == "columns" and "表格超过 4 列" in refusal.message
    assert refused(workbook_bytes(*[[1, 2, 3, 4]] * 3, header=[1, 2, 3, 4])).code == "cells"
    assert refused(workbook_bytes(header=["x"], sheets=3)).code == "sheets"
    refusal = refused(workbook_bytes(header=["x"]), limits(max_file_bytes=100))
    assert refusal.code == "too_large" and "文件太大" in refusal.message


def test_rows_and_cells_without_references_are_counted_too():
    def write(stream):
        stream.write(SHEET_HEAD + b"<row>" + b"<c><v>1</v></c>" * 5 + b"</row>" + SHEET_TAIL)

    assert refused(with_sheet(write)).code == "columns"

    def rows(stream):
        stream.write(SHEET_HEAD + b"<row/>" * 6 + SHEET_TAIL)

    assert refused(with_sheet(rows)).code == "rows"


def test_too_many_members_and_a_high_ratio_are_a_bomb():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for number in range(MAX_MEMBERS):
            archive.writestr(f"x/{number}.txt", "")
    refusal = refused(output.getvalue(), limits(max_file_bytes=10 * MB))
    assert refusal.code == "bomb" and "压缩成员" in refusal.message

    def zeros(stream):
        stream.write(SHEET_HEAD + b" " * (2 * MB) + SHEET_TAIL)

    refusal = refused(with_sheet(zeros))
    assert refusal.code == "bomb" and "压缩比过高" in refusal.message


def test_a_zip_that_lies_about_its_sizes_unpacks_no_more_than_it_declares():
    data = bytearray(xlsx_bomb())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    # The declared unpacked size, in the local header and in the central directory, made small.
    struct.pack_into("<I", data, info.header_offset + 22, 4000)
    name = SHEET.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + length]) == name:
            struct.pack_into("<I", data, central + 24, 4000)
        central = data.find(b"PK\x01\x02", central + 4)
    generous = limits(max_rows=10**6, max_cells=10**6, max_file_bytes=10 * MB)
    refusal, peak = bounded(lambda: open_xlsx(data=bytes(data), limits=generous))
    assert isinstance(refusal, SpreadsheetRefused), refusal
    assert refusal.code == "broken"  # zipfile stops at the declared size: the checksum fails
    assert peak < MEMORY_BOUND


def test_entities_and_deep_nesting_are_refused():
    def entities(stream):
        stream.write(
            b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData>'
            b"</worksheet>"
        )

    assert refused(with_sheet(entities)).code == "entities"

    def deep(stream):
        stream.write(SHEET_HEAD[: -len(b"<sheetData>")] + b"<extLst>" * 100)
        stream.write(b"</extLst>" * 100 + b"<sheetData/></worksheet>")

    assert refused(with_sheet(deep)).code == "part"


def test_formula_cells_are_refused_unless_the_reader_reports_them():
    data = workbook_bytes(["DL1020", "罗斌", "=A1*2"], header=SHORT_HEADER)
    with open_xlsx(data=data, limits=SMALL) as book:
        with pytest.raises(SpreadsheetRefused) as caught:
            list(book.active.rows())
        assert caught.value.code == "formula"
        assert "C2 单元格是公式" in caught.value.message
        cells = list(book.active.rows(refuse_formulas=False))[1][1]
        assert cells[2].data_type == "f" and cells[2].value == "=A1*2"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a spreadsheet", "not_xlsx"),
        (b"PK\x03\x04broken zip", "broken"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls"),
    ],
)
def test_unreadable_files(data, code):
    assert refused(data).code == code


# Formula escaping -------------------------------------------------------------------------------

FORMULAS = ["=1+1", '=HYPERLINK("http://x","点我")', "+乙", "-丙", "@丁", "\t制表", "\r回车"]


def dangerous(text: str) -> bool:
    return text[:1] in FORMULA_STARTS


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("-丙", "'-丙"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("'=x", "''=x"),
        ("'普通", "'普通"),
        ("普通文字", "普通文字"),
        ("", ""),
        (-3, -3),
        (Decimal("-1.5"), Decimal("-1.5")),
        (None, None),
    ],
)
def test_csv_cell(value, written):
    assert csv_cell(value) == written


@given(st.text(alphabet=st.sampled_from("'=+-@\t\r甲a1 "), max_size=8))
def test_csv_quote_round_trips_exactly(text):
    written = csv_cell(text)
    assert not dangerous(written)
    assert csv_text(written) == text


def assert_no_formula_xlsx(content: bytes) -> list[list]:
    """Every cell of every sheet: never a formula; text that looks like one carries quotePrefix.
    Returns the values."""
    workbook = load_workbook(io.BytesIO(content))
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and dangerous(cell.value):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
            values.append([cell.value for cell in row])
    return values


def is_number(field: str) -> bool:
    try:
        Decimal(field)
    except ArithmeticError:
        return False
    return True


def assert_no_formula_csv(text: str) -> list[list[str]]:
    """No field starts with = + - @ tab or CR, except numbers (-1.50 is a number, not a formula)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    for row in rows:
        for field in row:
            assert not dangerous(field) or is_number(field), field
    return rows


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_row_writes_text_never_formulas(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("表") if write_only else workbook.active
    sheet.append(xlsx_row(sheet=sheet, values=[*FORMULAS, 3, Decimal("-1.5"), None, "文字"]))
    output = io.BytesIO()
    workbook.save(output)
    values = assert_no_formula_xlsx(output.getvalue())
    assert values[0][: len(FORMULAS)] == FORMULAS
    assert values[0][len(FORMULAS) : len(FORMULAS) + 2] == [3, -1.5]


def tricky_questions() -> list[ParsedQuestion]:
    return [
        ParsedQuestion(
            type="single",
            stem=stem,
            options=["=甲", "+乙", "-丙", "@丁"],
            answer=[0],
            explanation="-解析",
            category_path="测试",
            knowledge_point="@知识点",
            score=Decimal("2"),
            source_note="=来源",
        )
        for stem in ("=1+1 这是题干", "-2+3 也是题干", "+号开头", "@开头的题干", "'=引号开头")
    ]


def fields(question: ParsedQuestion) -> tuple:
    return (
        question.stem,
        question.options,
        question.answer,
        question.explanation,
        question.knowledge_point,
        question.score,
        question.source_note,
    )


def test_question_csv_export_is_formula_proof_and_reimports_exactly():
    questions = tricky_questions()
    data = export_csv(questions)
    assert_no_formula_csv(data.decode("utf-8-sig"))
    result = read_csv(data)
    assert result.errors == []
    assert [fields(q) for q in result.questions] == [fields(q) for q in questions]


def test_question_xlsx_export_is_formula_proof_and_reimports_exactly():
    questions = tricky_questions()
    data = export_xlsx(questions)
    assert_no_formula_xlsx(data)
    result = read_xlsx(data)
    assert result.errors == []
    assert [fields(q) for q in result.questions] == [fields(q) for q in questions]


def test_templates_are_formula_proof():
    assert_no_formula_xlsx(template_xlsx())
    assert_no_formula_csv(template_csv().decode("utf-8-sig"))


HR_ROW = ['=HYPERLINK("http://x","点我")', "-张三", "@单位", "+班组", "\t岗位", "2026-11"]


def hr_rows():
    numbers = [Decimal("-1.50"), Decimal("98.00"), 0, None, Decimal("90.10")]
    row = [*HR_ROW, "已出分", *numbers]
    return [row + ["=1+1"] * (len(EXPORT_HEADER) - len(row))]


@pytest.mark.django_db  # the workbook's note says whether the schemes are examples
def test_hr_csv_and_xlsx_writers_are_formula_proof():
    text = io.StringIO()
    exports.write_csv(hr_rows(), text)
    rows = assert_no_formula_csv(text.getvalue())
    assert [csv_text(field) for field in rows[1][:6]] == HR_ROW
    assert rows[1][7] == "-1.50"  # numbers stay numbers
    binary = io.BytesIO()
    exports.write_xlsx(hr_rows(), binary, title="2026-11月度考核")
    values = assert_no_formula_xlsx(binary.getvalue())
    assert values[2][0] == "工号"  # title, note, then the header row
    assert values[3][:6] == HR_ROW and values[3][7] == -1.5


@pytest.mark.django_db
def test_hr_export_views_with_a_formula_name(client, hr_user):
    person = StaffProfile.objects.select_related("unit").get(employee_number="DL1020")
    StaffProfile.objects.filter(pk=person.pk).update(name='=HYPERLINK("http://x","罗斌")')
    Unit.objects.filter(pk=person.unit_id).update(name="-营业二班")
    AssessmentRecord.objects.create(
        profile=person, unit=person.unit, month=date(2026, 11, 1), attendance_rate=Decimal("98")
    )
    client.force_login(hr_user)
    query = {"month": "2026-11", "unit": "CG-YYT-2"}
    body = b"".join(client.get("/hr/assessments/export.csv", query).streaming_content)
    rows = assert_no_formula_csv(body.decode("utf-8"))
    mine = next(row for row in rows if row[0] == "DL1020")
    assert csv_text(mine[1]) == '=HYPERLINK("http://x","罗斌")'
    assert rows[0] == EXPORT_HEADER
    content = b"".join(client.get("/hr/assessments/export.xlsx", query).streaming_content)
    values = assert_no_formula_xlsx(content)
    mine = next(row for row in values if row[0] == "DL1020")
    assert mine[1] == '=HYPERLINK("http://x","罗斌")' and "-营业二班" in mine


@pytest.mark.django_db
def test_supervisor_template_is_formula_proof(team_leader):
    person = StaffProfile.objects.get(employee_number="DL1020")
    StaffProfile.objects.filter(pk=person.pk).update(name="=cmd|' /C calc'!A0")
    unit = Unit.objects.get(code="CG-YYT-2")
    rows = selectors.team_records(by=team_leader, unit=unit, month=date(2026, 11, 1))
    values = assert_no_formula_xlsx(uploads.template_workbook(rows=rows))
    assert ["DL1020", "=cmd|' /C calc'!A0"] in [row[:2] for row in values]
