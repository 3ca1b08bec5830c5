"""Reading and writing question spreadsheets (XLSX and CSV): no database is written here."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook, load_workbook

from quizzes.interchange.base import MAX_IMPORT_BYTES, FileRejected, ParsedQuestion, Severity
from quizzes.interchange.formats import detect_format, read_file
from quizzes.interchange.spreadsheet.columns import HEADERS
from quizzes.interchange.spreadsheet.reader import read_csv, read_xlsx
from quizzes.interchange.spreadsheet.template import EXAMPLES, template_csv, template_xlsx
from quizzes.interchange.spreadsheet.writer import export_csv, export_xlsx

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def xlsx(rows, headers=HEADERS, *, sheet_title="试题") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    if headers:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_text(rows, headers=HEADERS) -> str:
    lines = [",".join(headers)] if headers else []
    lines += [",".join(row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def row(qtype, stem, options=(), answer="", **extra) -> list[str]:
    """A data row in the template's column order."""
    cells = {header: "" for header in HEADERS}
    cells.update({"题型": qtype, "题干": stem, "答案": answer})
    for letter, text in zip("ABCDEFGH", options, strict=False):
        cells[f"选项{letter}"] = text
    cells.update(extra)
    return [cells[header] for header in HEADERS]


def fields(question: ParsedQuestion) -> tuple:
    return (
        question.type,
        question.stem,
        question.options,
        question.answer,
        question.explanation,
        question.category_path,
        question.knowledge_point,
        question.difficulty,
        question.score,
        question.source_note,
    )


# The template ---------------------------------------------------------------------------------


def test_xlsx_template_has_instructions_and_one_example_per_type_and_reads_back():
    data = template_xlsx()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["试题", "说明"]
    assert [cell.value for cell in workbook["试题"][1]] == HEADERS
    notes = " ".join(str(c.value or "") for r in workbook["说明"].iter_rows() for c in r)
    assert "3|三；5|五" in notes and "____" in notes and "对 或 错" in notes

    assert "材料编号" in notes and "一份材料至少 2 道、最多 6 道小题" in notes

    result = read_xlsx(data)
    assert result.issues == []
    assert sorted(q.type for q in result.questions) == sorted(
        ["single", "multiple", "truefalse", "fill", "short"]
    )
    assert [fields(q) for q in result.all_questions()] == [fields(q) for q in EXAMPLES]
    assert [q.line for q in result.all_questions()] == [2, 3, 4, 5, 6, 7, 8]
    (material,) = result.materials
    assert (material.key, material.line, len(material.questions)) == ("M1", 7, 2)
    assert material.text == EXAMPLES[5].material_text and material.title.startswith("（示例）")


def test_csv_template_reads_back_like_the_xlsx_one():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel on Chinese Windows
    result = read_csv(data)
    assert result.issues == []
    assert [fields(q) for q in result.all_questions()] == [fields(q) for q in EXAMPLES]


TRICKY = [
    ParsedQuestion(
        type="single",
        stem="=SUM(A1) 这样的题干也是文字，不是公式",
        options=["甲", "+乙", "-丙", "@丁"],
        answer=[3],
        explanation="第一行\n第二行",
        category_path="测试/公式",
        difficulty=3,
        score=Decimal("1.5"),
        source_note="来源说明",
    ),
    ParsedQuestion(
        type="fill",
        stem="分隔符也可以出现在答案里：____，____。",
        answer=[["甲；乙", "丙"], ["丁"]],  # then the blanks are written one per line
        category_path="测试",
    ),
    ParsedQuestion(
        type="short",
        stem="要点中有分号",
        answer=["第一点；含分号", "第二点"],
        category_path="测试",
        score=Decimal("10"),
    ),
    ParsedQuestion(
        type="multiple",
        stem="八个选项",
        options=[f"选项{n}" for n in range(8)],
        answer=[0, 7],
        category_path="测试",
    ),
]


@pytest.mark.parametrize("write,read", [(export_xlsx, read_xlsx), (export_csv, read_csv)])
def test_export_reads_back_identically(write, read):
    result = read(write(TRICKY))
    assert result.errors == []
    assert [fields(q) for q in result.questions] == [fields(q) for q in TRICKY]


# Encodings and spellings ----------------------------------------------------------------------

ROWS = [
    row("单项选择题", "铃响几声内接听？", ["两声", "三声"], "B", 分类="礼仪/电话"),
    row("多项选择题", "哪些是四声服务？", ["来有迎声", "问有答声", "乱说"], "A、B"),
    row("判断题", "可以使用简称𠮷。", answer="×"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk_and_gb18030(encoding):
    rows = ROWS if encoding in ("utf-8", "utf-8-sig", "gb18030") else ROWS[:2]  # 𠮷 is not GBK
    data = csv_text(rows).encode(encoding)
    result = read_csv(data)
    assert result.errors == []
    assert [q.type for q in result.questions] == ["single", "multiple", "truefalse"][: len(rows)]
    assert result.questions[0].category_path == "礼仪/电话"
    assert result.questions[1].answer == [0, 1]
    if len(rows) == 3:
        assert result.questions[2].stem == "可以使用简称𠮷。"
        assert result.questions[2].answer == [False]
    assert read_file(data, "题库.csv").questions == result.questions


@pytest.mark.parametrize(
    "word,value",
    [("对", True), ("√", True), ("正确", True), ("T", True), ("TRUE", True)]
    + [("错", False), ("×", False), ("错误", False), ("F", False), ("f", False)],
)
def test_true_false_words(word, value):
    result = read_csv(csv_text([row("判断题", "题干", answer=word)]).encode())
    assert result.questions[0].answer == [value]


def test_xlsx_boolean_cell_is_a_true_false_answer():
    result = read_xlsx(xlsx([row("判断题", "题干", answer=True)]))
    assert result.questions[0].answer == [True]


@pytest.mark.parametrize(
    "stem,answer,expected",
    [
        ("____与____", "3|三；5|五", [["3", "三"], ["5", "五"]]),
        ("____与____", "3 ｜ 三;5", [["3", "三"], ["5"]]),
        ("____与____", "3|三\n5|五", [["3", "三"], ["5", "五"]]),
        ("______与___", "甲；乙", [["甲"], ["乙"]]),  # any run of underscores is one blank
    ],
)
def test_fill_in_answer_convention(stem, answer, expected):
    result = read_csv(csv_text([row("填空题", stem, answer=f'"{answer}"')]).encode())
    assert result.errors == []
    assert result.questions[0].answer == expected
    assert result.questions[0].stem.count("____") == len(expected)


def test_short_answer_key_points_by_line_or_semicolon():
    lines = read_xlsx(xlsx([row("简答题", "问", answer="要点一\n要点二")]))
    semis = read_xlsx(xlsx([row("简答题", "问", answer="要点一；要点二;要点三")]))
    assert lines.questions[0].answer == ["要点一", "要点二"]
    assert semis.questions[0].answer == ["要点一", "要点二", "要点三"]


def test_headers_are_matched_tolerantly_and_zhishidian_can_stand_for_the_category():
    headers = [" 题 型 ", "题干*", "A", "选项 B", "正确答案", "知识点", "难易程度", "分数"]
    data = xlsx([["单选题", "题", "甲", "乙", "A", "礼仪/电话", "难", 2]], headers)
    result = read_xlsx(data)
    assert result.errors == []
    question = result.questions[0]
    assert question.options == ["甲", "乙"]
    assert question.category_path == "礼仪/电话" and question.knowledge_point == "礼仪/电话"
    assert question.difficulty == 3 and question.score == Decimal("2")


def test_unknown_column_is_reported_as_a_warning_and_ignored():
    result = read_csv(
        csv_text(
            [["单选题", "题", "甲", "乙", "A", "x"]],
            ["题型", "题干", "选项A", "选项B", "答案", "备注"],
        ).encode()
    )
    assert result.errors == []
    assert [str(i) for i in result.issues] == [
        "第 1 行 F（备注） 列：不认识这一列的表头，已忽略这一列。"
    ]


def test_empty_rows_are_skipped_and_row_numbers_kept():
    rows = [
        ROWS[0],
        [""] * len(HEADERS),
        [None] * len(HEADERS),
        row("判断题", "题", answer="是不是"),
    ]
    result = read_xlsx(xlsx(rows))
    assert len(result.questions) == 1
    assert [(i.line, i.column) for i in result.errors] == [(5, "K（答案）")]


# All errors at once ---------------------------------------------------------------------------


def test_every_error_is_listed_with_its_row_and_column():
    rows = [
        row("单选题", "好的题", ["甲", "乙"], "A"),
        row("选择", "题型不对", ["甲", "乙"], "A"),  # row 3: type
        row("单选题", "", ["甲", "乙"], "C"),  # row 4: empty stem and a letter with no option
        row("多选题", "只有一个答案", ["甲", "乙", "丙"], "B"),  # row 5
        row("填空题", "两个空 ____ ____", answer="一"),  # row 6: blank count
        row("单选题", "选项有空缺", ["甲", "", "丙"], "A", 难度="很难", 分值="-1"),  # row 7
    ]
    for data, reader in ((xlsx(rows), read_xlsx), (csv_text(rows).encode(), read_csv)):
        result = reader(data)
        assert len(result.questions) == 1
        found = [(i.line, i.column, i.message) for i in result.errors]
        assert found == [
            (3, "A（题型）", "题型“选择”无法识别：请填写单选题、多选题、判断题、填空题或简答题。"),
            (4, "B（题干）", "题干为空。"),
            (4, "K（答案）", "答案“C”中的“C”不是选项字母：本题有 2 个选项，只能填 A–B。"),
            (5, "K（答案）", "多选题至少要有两个正确答案。"),
            (6, "K（答案）", "题干中有 2 个空（____），但答案给了 1 个空。"),
            (7, "D（选项B）", "选项B为空，但后面的选项有内容：选项须从 A 起连续填写。"),
            (7, "M（难度）", "难度只能填“易”“中”或“难”，不能是“很难”。"),
            (7, "P（分值）", "分值应大于 0 且不超过 999.99，不能是“-1”。"),
        ]
        assert all(CHINESE.search(message) for *_, message in found)
        assert (
            str(result.errors[0])
            == "第 3 行 A（题型） 列：题型“选择”无法识别：请填写单选题、多选题、判断题、填空题或简答题。"
        )


# Broken input ---------------------------------------------------------------------------------


def encrypted(data: bytes) -> bytes:
    output = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("密码123", output)
    return output.getvalue()


def zip_without_workbook() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return output.getvalue()


GOOD = xlsx([ROWS[0]])


@pytest.mark.parametrize(
    "data,message",
    [
        (GOOD[: len(GOOD) // 2], "Excel 文件不完整或已损坏"),
        (encrypted(GOOD), "设置了打开密码"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "旧版 Excel（.xls）"),
        ("题型,题干\n单选题,题\n".encode(), "文件内容不是 Excel 工作簿"),
        (zip_without_workbook(), "不是 Excel 工作簿（可能是 Word 文档"),
        (xlsx([], headers=["姓名", "工号"]), "找不到表头"),
        (xlsx([], headers=[]), "文件是空的"),
        (b"\x00" * (MAX_IMPORT_BYTES), "文件太大"),
    ],
    ids=["truncated", "password", "xls", "not-a-zip", "docx", "no-header", "empty", "20MB"],
)
def test_broken_xlsx_is_refused_with_a_chinese_message(data, message):
    with pytest.raises(FileRejected, match=re.escape(message)):
        read_xlsx(data)


def test_formula_error_and_date_cells_are_reported_where_they_are():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(row("单选题", "题", ["甲", "乙"], "=CHAR(65)"))
    sheet.append(row("单选题", "题二", ["甲", "乙"], "A"))
    sheet["C3"] = "#DIV/0!"
    sheet["C3"].data_type = "e"
    sheet.append(row("填空题", "日期 ____", answer=""))
    from datetime import date

    sheet["K4"] = date(2026, 3, 5)
    output = io.BytesIO()
    workbook.save(output)
    result = read_xlsx(output.getvalue())
    assert result.questions == []
    assert [(i.line, i.column) for i in result.errors] == [
        (2, "K（答案）"),
        (3, "C（选项A）"),
        (4, "K（答案）"),
    ]
    assert "单元格是公式" in result.errors[0].message
    assert "错误值 #DIV/0!" in result.errors[1].message
    assert "日期或时间" in result.errors[2].message


@pytest.mark.parametrize(
    "data,message",
    [
        ("题型,题干\n".encode("utf-16"), "UTF-16"),
        (b"ti,xing\n\xff\xfe,x\n", "第 2 行有既不是 UTF-8 也不是 GBK/GB18030"),
        (b"PNG\x00\x01\x02", "二进制内容"),
        ("題型,題幹\n".encode("big5"), "文件可能是其他编码（如 Big5）"),
        (b" " * MAX_IMPORT_BYTES, "文件太大"),
    ],
    ids=["utf16", "undecodable", "binary", "big5", "20MB"],
)
def test_broken_csv_is_refused_with_a_chinese_message(data, message):
    with pytest.raises(FileRejected, match=re.escape(message)):
        read_csv(data)


def test_a_file_that_is_not_what_its_name_says_is_refused():
    with pytest.raises(FileRejected, match="表明是Excel 工作簿（.xlsx），但内容看起来是文本"):
        read_file(csv_text(ROWS).encode(), "题库.xlsx")
    with pytest.raises(FileRejected, match="表明是CSV（.csv），但内容看起来是Excel"):
        read_file(GOOD, "题库.csv")
    assert detect_format(GOOD, "upload") == "xlsx"
    assert detect_format(csv_text(ROWS[:2]).encode("gbk"), "题库.txt") == "csv"


# Fuzzing --------------------------------------------------------------------------------------


def assert_sane(reader, data: bytes) -> None:
    """A reader either refuses the whole file or returns questions and Chinese messages."""
    try:
        result = reader(data)
    except FileRejected as rejected:
        assert CHINESE.search(str(rejected))
        return
    for issue in result.issues:
        assert CHINESE.search(issue.message)
        assert issue.severity in (Severity.ERROR, Severity.WARNING)


FUZZ = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
cell = st.one_of(
    st.sampled_from(
        ["单选题", "多选题", "判断题", "填空题", "简答题", "A", "AB", "对", "____", ""]
    ),
    st.text(max_size=12),
)
# Text an XLSX cell can hold (openpyxl refuses control characters).
xlsx_cell = st.one_of(cell.filter(lambda value: value.isprintable()), st.integers(), st.booleans())


@FUZZ
@given(st.binary(max_size=2000))
def test_fuzz_csv_reader_with_random_bytes(data):
    assert_sane(read_csv, data)


@FUZZ
@given(
    st.lists(st.lists(cell, max_size=len(HEADERS) + 2), max_size=8),
    st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]),
)
def test_fuzz_csv_reader_with_random_rows(rows, encoding):
    import csv

    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    assert_sane(read_csv, output.getvalue().encode(encoding, errors="replace"))


TEMPLATE = template_xlsx()


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, len(TEMPLATE) - 1), st.integers(0, 255)), min_size=1, max_size=6
    )
)
def test_fuzz_xlsx_reader_with_damaged_templates(changes):
    data = bytearray(TEMPLATE)
    for position, value in changes:
        data[position] = value
    assert_sane(read_xlsx, bytes(data))


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_xlsx_reader_with_random_bytes(data):
    assert_sane(read_xlsx, b"PK\x03\x04" + data)


@FUZZ
@given(st.lists(st.lists(xlsx_cell, max_size=len(HEADERS) + 2), max_size=6))
def test_fuzz_xlsx_reader_with_random_rows(rows):
    assert_sane(read_xlsx, xlsx(rows))
