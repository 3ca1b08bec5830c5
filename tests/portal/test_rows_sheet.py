"""portal.spreadsheets.RowsSheet: the fast block writer of the HR export writes the very XML
XlsxWriter's own cell methods write (so a new XlsxWriter version that changes its cell XML fails
here, not in a user's Excel), escapes every text, and refuses what it cannot write faithfully."""

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.spreadsheets import FORMULA_STARTS, QUOTED, RowsSheet, rows_workbook

ROWS = [
    ["YC00001", "张三", "", None, Decimal("85.50"), Decimal("0.003"), 400, 0, 1.25, "是"],
    [None, None, None, None, None, None, None, None, None, None],  # an empty row: no <row>
    ["=1+1", "-张三", "@单位", "+班组", Decimal("-1.50"), None, -3, Decimal("96.00"), 0.1, ""],
    [" 前后空格 ", 'a & b <c> "d"', "行\n换", "控制\x01\x1f字符", Decimal("1E+2"), 10**15],
    ["_x0041_ 不是转义", "\t岗位", "\ufffe", "x" * 40_000, Decimal("12345678901234567890.5")],
    ["罗斌", 2**53 - 1, 2**53, -(2**53), 10**16 - 1, 123456789012345678, -7],
]
COLUMN_FORMATS = ["0.00", "0.000", "0", None, "0.00", "0.000", "0", "0.00", "0.0"]


def sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml") + archive.read("xl/styles.xml")


def by_xlsxwriter_methods(rows) -> bytes:
    """Cell by cell through XlsxWriter's public methods, as its documentation shows."""
    output = io.BytesIO()
    with rows_workbook(output) as workbook:
        sheet = workbook.add_worksheet("表")
        quoted = workbook.add_format(QUOTED)
        formats = [workbook.add_format({"num_format": f}) if f else None for f in COLUMN_FORMATS]
        sheet.write_string(0, 0, "标题")
        for row, values in enumerate(rows, start=1):
            for column, value in enumerate(values):
                if isinstance(value, str):
                    if value:
                        style = quoted if value[:1] in FORMULA_STARTS else None
                        sheet.write_string(row, column, value, style)
                elif value is not None:
                    style = formats[column] if column < len(formats) else None
                    sheet.write_number(row, column, value, style)
        sheet.write_string(len(rows) + 1, 0, "合计")
    return output.getvalue()


def by_rows_sheet(rows) -> bytes:
    output = io.BytesIO()
    with rows_workbook(output) as workbook:
        sheet = workbook.add_worksheet("表", worksheet_class=RowsSheet)
        quoted = workbook.add_format(QUOTED)
        formats = [workbook.add_format({"num_format": f}) if f else None for f in COLUMN_FORMATS]
        sheet.write_string(0, 0, "标题")
        end = sheet.write_rows(
            first_row=1, rows=rows, text_formats=(None, quoted), number_formats=formats
        )
        assert end == len(rows) + 1
        sheet.write_string(end, 0, "合计")
    return output.getvalue()


def test_rows_are_the_xml_xlsxwriter_itself_writes():
    expected, written = by_xlsxwriter_methods(ROWS), by_rows_sheet(ROWS)
    assert sheet_xml(written) == sheet_xml(expected)
    assert b'<dimension ref="A1:J8"/>' in sheet_xml(written)


def test_rows_read_back_as_written():
    sheet = load_workbook(io.BytesIO(by_rows_sheet(ROWS))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == ["YC00001", "张三", None, None, 85.5, 0.003, 400, 0, 1.25, "是"]
    assert values[1] == [None] * 10
    assert values[2][:5] == ["=1+1", "-张三", "@单位", "+班组", -1.5]
    assert sheet["A4"].data_type == "s" and sheet["A4"].quotePrefix
    assert values[3][:3] == [" 前后空格 ", 'a & b <c> "d"', "行\n换"]
    assert values[3][4:6] == [100, 10**15]
    assert len(values[4][3]) == 32_767  # Excel's longest text, as XlsxWriter cuts it
    assert values[6][0] == "合计"


def test_text_that_looks_like_rich_text_xml_stays_text():
    # XlsxWriter's own write_string puts "<r>…</r>" into the file unescaped in constant-memory
    # mode; a person's name must never be able to change the sheet's XML.
    name = '<r><t>x</t></r></is></c><c r="Z1"><v>1</v></c><r>'
    output = io.BytesIO()
    with rows_workbook(output) as workbook:
        sheet = workbook.add_worksheet("表", worksheet_class=RowsSheet)
        sheet.write_rows(first_row=0, rows=[[name, 1]], text_formats=(None, None))
    sheet = load_workbook(io.BytesIO(output.getvalue())).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [[name, 1]]


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity"), True, object()]
)
def test_values_it_cannot_write_faithfully_are_refused(value):
    with rows_workbook(io.BytesIO()) as workbook:
        sheet = workbook.add_worksheet("表", worksheet_class=RowsSheet)
        with pytest.raises(TypeError):
            sheet.write_rows(first_row=0, rows=[["甲", value]], text_formats=(None, None))


def test_rows_above_the_written_block_are_refused_as_xlsxwriter_does():
    output = io.BytesIO()
    with rows_workbook(output) as workbook:
        sheet = workbook.add_worksheet("表", worksheet_class=RowsSheet)
        end = sheet.write_rows(first_row=2, rows=[["甲"], ["乙"]], text_formats=(None, None))
        assert end == 4
        assert sheet.write_string(3, 0, "重复的行") == -1  # constant memory: rows in order only
        assert sheet.write_string(4, 0, "丙") == 0
    sheet = load_workbook(io.BytesIO(output.getvalue())).active
    assert [cell.value for cell in sheet["A"]] == [None, None, "甲", "乙", "丙"]
