"""Chinese question files as Chinese exam systems export them (issue 20): 考试星-style XLSX with
merged title rows, ExamStack and PHPEMS exports with every option in one cell, GBK CSV, 题型 words
单选/多选/判断/填空/问答, answers like "A、C" or "正确", blanks as （ ）; they import, or fail with a
clear Chinese message naming row and column. The files are in files/zh/ (make_files.py)."""

from pathlib import Path

import pytest

from quizzes.bank.answers import BLANK
from quizzes.interchange.base import FileRejected
from quizzes.interchange.formats import read_file
from quizzes.interchange.importing import apply_import, build_preview
from quizzes.models import Question, QuestionType

FILES = Path(__file__).parent / "files" / "zh"


def read(name: str):
    return read_file((FILES / name).read_bytes(), name)


def test_kaoshixing_workbook_with_merged_title_rows_reads_every_type():
    result = read("考试星题库.xlsx")
    assert result.format == "xlsx" and result.issues == []
    by_type = {}
    for question in result.questions:
        by_type.setdefault(question.type, []).append(question)
    assert [q.line for q in result.questions] == [4, 5, 6, 7, 8, 9]  # the header is row 3
    assert by_type[QuestionType.MULTIPLE][0].answer == [0, 1, 3]  # "A、B、D"
    assert [q.answer for q in by_type[QuestionType.TRUE_FALSE]] == [[False], [True]]  # 错误/正确
    fill = by_type[QuestionType.FILL][0]
    assert fill.stem == f"计划停电应提前{BLANK}天通知用户，停电前{BLANK}分钟再通知重要用户一次。"
    assert fill.answer == [["三至七", "3至7"], ["30", "三十"]]
    short = by_type[QuestionType.SHORT][0]  # 问答
    assert short.answer == ["主动热情解答", "了解客户需求", "不得推诿"]
    assert result.questions[0].category_path == "营业厅服务/电话礼仪"
    assert (result.questions[0].difficulty, short.difficulty) == (1, 3)  # 简单 / 困难


def test_examstack_export_with_options_in_one_cell():
    result = read("ExamStack试题导出.xlsx")
    assert result.issues == []
    single, multiple, truefalse = result.questions
    assert single.options == ["产权分界处", "变压器出口", "用户配电室"] and single.answer == [0]
    assert multiple.answer == [0, 2]  # "A,C"
    assert truefalse.answer == [True] and truefalse.category_path == "投诉处理"


def test_phpems_gbk_csv_with_colon_options():
    result = read("PHPEMS试题.csv")
    assert result.format == "csv" and result.issues == []
    single, multiple, short = result.questions
    assert single.options == ["30分钟", "45分钟", "90分钟"] and single.answer == [1]
    assert multiple.answer == [0, 1, 2]  # "ABC"
    assert short.type == QuestionType.SHORT and short.answer[2] == "道歉|致歉"


def test_mistakes_are_named_in_chinese_with_row_and_column():
    result = read("考试星题库-有错误.xlsx")
    messages = [str(issue) for issue in result.errors]
    assert messages == [
        "第 5 行 A（题型*） 列：题型“连线题”无法识别：请填写单选题、多选题、判断题、填空题或简答题。",
        "第 6 行 H（正确答案*） 列：答案“D”中的“D”不是选项字母：本题有 2 个选项，只能填 A–B。",
        "第 7 行 H（正确答案*） 列：判断题的答案请填“对”或“错”（也可填 √ / ×、正确 / 错误、T / F），"
        "不能是“不确定”。",
        "第 8 行 B（题目内容*） 列：题干为空。",
    ]


def test_an_old_xls_file_is_refused_with_a_chinese_message():
    with pytest.raises(FileRejected, match="另存为"):
        read("旧版Excel.xls")


def test_an_option_cell_out_of_order_is_named():
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["试题类型", "试题内容", "选项", "答案"])
    workbook.active.append(["单选题", "题", "A. 甲\nC. 丙", "A"])
    output = io.BytesIO()
    workbook.save(output)
    result = read_file(output.getvalue(), "乱序.xlsx")
    assert "“C. 丙”应以 B 开头" in result.errors[0].message
    assert result.errors[0].column == "C（选项）"


@pytest.mark.django_db
def test_the_chinese_files_import_into_the_bank():
    before = Question.objects.count()
    for name in ("考试星题库.xlsx", "ExamStack试题导出.xlsx", "PHPEMS试题.csv"):
        preview = build_preview(read(name), category_prefix="中文导入")
        assert preview.ok, name
        apply_import(preview, filename=name)
    assert Question.objects.count() == before + 12
    assert Question.objects.filter(category__path="中文导入/营业厅服务/电话礼仪").count() == 1
