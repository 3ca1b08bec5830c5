"""Grading rules, without the database."""

from decimal import Decimal

import pytest

from quizzes.bank.answers import validate_answer_key
from quizzes.papers.grading import (
    grade,
    marking_score,
    match_key_points,
    normalise_response,
    normalise_text,
)


def test_single_and_true_false():
    assert grade("single", [2], 2, Decimal(2), "all").awarded == Decimal(2)
    assert grade("single", [2], 1, Decimal(2), "all").awarded == 0
    assert grade("truefalse", [False], False, Decimal(1), "all").is_correct is True
    assert grade("truefalse", [False], True, Decimal(1), "all").is_correct is False
    assert grade("single", [0], None, Decimal(1), "all").is_correct is False


def test_multiple_all_or_nothing_and_partial_credit():
    key = [0, 2, 3]
    assert grade("multiple", key, [0, 2, 3], Decimal(3), "all").awarded == 3
    assert grade("multiple", key, [0, 2], Decimal(3), "all").awarded == 0
    partial = grade("multiple", key, [0, 2], Decimal(3), "partial")
    assert partial.awarded == Decimal("2.00") and partial.is_correct is False
    # A wrong option gets nothing, even under partial credit.
    assert grade("multiple", key, [0, 1], Decimal(3), "partial").awarded == 0
    assert grade("multiple", key, [], Decimal(3), "partial").awarded == 0


def test_fill_in_the_blank_alternatives_and_normalisation():
    key = [["三", "3"], ["首问负责制", "首问负责"]]
    result = grade("fill", key, ["３", " 首问负责 "], Decimal(2), "all")
    assert result.awarded == 2 and result.is_correct
    half = grade("fill", key, ["四", "首問負責制"], Decimal(2), "all")  # Traditional accepted
    assert half.awarded == Decimal("1.00") and not half.is_correct


def test_short_answer_key_points_with_punctuation_spaces_and_traditional():
    points = ["认真倾听", "热心引导", "快速衔接"]
    result = grade("short", points, "要認真 傾聽，熱心引導。", Decimal(6), "all")
    assert result.needs_review and result.is_correct is None
    assert [m["matched"] for m in result.marking] == [True, True, False]
    assert result.awarded == Decimal("4.00")


def test_reviewer_decisions_override_the_automatic_match():
    marking = match_key_points("认真倾听", ["认真倾听", "快速衔接"])
    marking[1]["accepted"] = True
    assert marking_score(marking, Decimal(10)) == 10
    marking[0]["accepted"] = False
    assert marking_score(marking, Decimal(10)) == 5


def test_normalise_text():
    assert normalise_text("Ａ Ｂ，c。") == "abc"
    assert normalise_text("投訴") == "投诉"


@pytest.mark.parametrize(
    ("qtype", "options", "answer", "stem", "message"),
    [
        ("single", ["甲"], [0], "", "至少需要两个选项"),
        ("single", ["甲", "乙"], [0, 1], "", "单选题只能有一个正确答案"),
        ("single", ["甲", "乙"], [5], "", "正确答案必须是选项中的一项或几项"),
        ("multiple", ["甲", "乙", "丙"], [1], "", "多选题至少要有两个正确答案"),
        ("single", ["甲", "甲"], [0], "", "选项不能重复"),
        ("truefalse", [], ["对"], "", "判断题的答案必须是"),
        ("fill", [], [["a"]], "没有空", "题干中有 0 个空"),
        ("fill", [], [[]], "一个____", "每个空至少要有一个可接受的答案"),
        ("short", [], [], "", "至少需要一个答题要点"),
    ],
)
def test_invalid_answer_keys_are_explained(qtype, options, answer, stem, message):
    errors = validate_answer_key(qtype, options, answer, stem)
    assert any(message in error for error in errors), errors


@pytest.mark.parametrize(
    ("qtype", "raw", "message"),
    [
        ("single", 7, "所选选项不存在"),
        ("single", True, "所选选项不存在"),
        ("single", "0", "所选选项不存在"),
        ("multiple", [0, 9], "所选选项不存在"),
        ("truefalse", "true", "判断题只能选择"),
        ("fill", ["a"], "填空题应填写 2 个空"),
        ("fill", ["a", 3], "填空题应填写 2 个空"),
        ("short", ["x"], "简答题请填写文字"),
        ("short", "字" * 5001, "最多填写 5000 个字"),
    ],
)
def test_malformed_responses_are_refused(qtype, raw, message):
    with pytest.raises(ValueError, match=message):
        normalise_response(qtype, raw, option_count=4, blank_count=2)


def test_empty_responses_mean_unanswered():
    for qtype in ["single", "multiple", "fill", "short"]:
        assert normalise_response(qtype, None, 4, 2) is None
    assert normalise_response("multiple", [2, 0, 2], 4, 0) == [0, 2]
