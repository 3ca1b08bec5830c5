"""The one answer module: every way of writing an answer that the admin form, the spreadsheets
and the seed files accept reads the same, and formatting reads back to the stored answer."""

import pytest

from quizzes.bank.answers import (
    answer_from_data,
    format_answer,
    parse_answer,
    validate_answer_key,
)
from quizzes.interchange import aiken, gift, moodle_xml
from quizzes.interchange.formats import FORMATS
from quizzes.interchange.spreadsheet import reader, writer


@pytest.mark.parametrize(
    ("qtype", "text", "stored"),
    [
        ("multiple", "ACD", [0, 2, 3]),
        ("multiple", "ＡＣ", [0, 2]),  # full-width, as a Chinese input method types it
        ("multiple", "a、c d", [0, 2, 3]),
        ("single", "Ｂ", [1]),
        ("truefalse", "√", [True]),
        ("truefalse", "ＦＡＬＳＥ", [False]),
        ("fill", "3|三；5｜五", [["3", "三"], ["5", "五"]]),
        ("fill", "3 | 三\n\n5", [["3", "三"], ["5"]]),
        ("short", "要点一；要点二", ["要点一", "要点二"]),
        ("short", "要点一\n 要点二 \n", ["要点一", "要点二"]),
    ],
)
def test_written_answers(qtype, text, stored):
    assert parse_answer(qtype, text, 4) == stored


def test_refusals_name_the_problem():
    with pytest.raises(ValueError, match="“E”不是选项字母：本题有 4 个选项，只能填 A–D"):
        parse_answer("single", "E", 4)
    with pytest.raises(ValueError, match="判断题的答案请填“对”或“错”"):
        parse_answer("truefalse", "也许")
    with pytest.raises(ValueError, match="第 2 个空没有答案"):
        parse_answer("fill", "3；|")
    with pytest.raises(ValueError, match="请填写正确答案"):
        parse_answer("short", "  ")


@pytest.mark.parametrize(
    ("qtype", "stored"),
    [
        ("multiple", [0, 3]),
        ("truefalse", [False]),
        ("fill", [["3", "三"], ["5"]]),
        ("fill", [["a；b"], ["c"]]),  # a ； inside an alternative: one blank per line
        ("short", ["要点一", "要点二"]),
    ],
)
@pytest.mark.parametrize("one_line", [False, True])
def test_formatting_reads_back(qtype, stored, one_line):
    assert parse_answer(qtype, format_answer(qtype, stored, one_line=one_line), 4) == stored


def test_data_files_give_the_same_answers():
    assert answer_from_data("multiple", "AC", 4) == [0, 2]
    assert answer_from_data("truefalse", False) == [False]
    assert answer_from_data("fill", [["3", 3]]) == [["3", "3"]]
    assert answer_from_data("short", ["要点"]) == ["要点"]


def test_the_key_is_checked_against_the_question():
    assert validate_answer_key("single", ["甲", "乙"], [0]) == []
    assert validate_answer_key("single", ["甲", "乙"], [0, 1]) == ["单选题只能有一个正确答案。"]
    assert validate_answer_key("fill", [], [["3"]], "共____天") == []
    assert validate_answer_key("fill", [], [["3"]], "无空") == [
        "题干中有 0 个空（____），但答案给了 1 个空。"
    ]


def test_formats_name_their_readers_and_writers():
    assert FORMATS["xlsx"].reader is reader.read_xlsx
    assert FORMATS["csv"].writer is writer.export_csv
    assert FORMATS["moodlexml"].reader is moodle_xml.parse
    assert FORMATS["gift"].writer is gift.export
    assert FORMATS["aiken"].reader is aiken.parse and not FORMATS["aiken"].can_write
