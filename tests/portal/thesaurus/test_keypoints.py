"""Key points that match meaning: paraphrase, numerals, synonyms, bound pairs, order-free blanks."""

from decimal import Decimal

import pytest

from portal.thesaurus.keypoints import (
    grade_blanks,
    key_point_problems,
    match_points,
    parse_key_point,
    points_score,
    read_key_point,
    write_key_point,
)
from portal.thesaurus.text import Thesaurus, normalise

THESAURUS = Thesaurus(
    [["道歉", "致歉", "赔礼道歉"], ["电能表", "电表", "电度表"], ["停电", "拉闸"]]
)


def matched(answer, points, thesaurus=THESAURUS):
    return [m.matched for m in match_points(answer, points, thesaurus)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("铃响三声之内接听", "铃响3声内接听"),
        ("三十五千伏及以上", "35kv及以上"),
        ("３５ＫＶ", "35kv"),
        ("每半年一次", "每6个月1次"),
        ("六个月", "6个月"),
        ("两个工作日", "2个工作日"),
        ("投訴處理", "投诉处理"),
        ("三十分内到达", "30分钟内到达"),
        ("“十个不准”第四条。", "10个不准第4条"),
    ],
)
def test_normalise_reads_numerals_units_width_and_script_alike(text, expected):
    assert normalise(text) == expected


def test_paraphrase_with_numerals_matches():
    points = ["铃响三声内 + 接听|接起"]
    assert matched("电话铃响3声之内接听", points) == [True]
    assert matched("应当在铃声响三声以内接起电话", ["三声 + 接听|接起"]) == [True]
    assert matched("五个工作日内办结", ["5个工作日"]) == [True]


def test_synonyms_from_the_thesaurus_count():
    assert matched("首先向客户致歉", ["道歉"]) == [True]
    assert matched("帮客户查看电表读数", ["电能表 + 读数"]) == [True]
    assert matched("首先向客户致歉", ["道歉"], Thesaurus()) == [False]


def test_prohibitions_earn_the_points_they_list():
    # 十个不准: an answer names the prohibited acts after 不准.
    points = ["违反规定停电|拖延送电", "推诿塞责", "不正当利益"]
    answer = "不准违反规定停电；不准对客户投诉推诿塞责；不准利用工作之便谋取不正当利益"
    assert matched(answer, points) == [True, True, True]
    # A point that needs the negative says so in its words.
    assert matched("诚恳不虚伪", ["诚恳 + 不虚伪"]) == [True]
    assert matched("诚恳而虚伪", ["诚恳 + 不虚伪"]) == [False]


def test_bound_pairs_must_stay_together():
    points = ["35kV及以上 + 半年|6个月", "高危|重要 + 3个月|三个月"]
    right = "35千伏及以上的客户每半年检查一次；高危和重要客户每三个月检查一次。"
    assert matched(right, points) == [True, True]
    with_commas = "35千伏及以上的客户，每半年检查一次；高危和重要客户，每三个月检查一次。"
    assert matched(with_commas, points) == [True, True]
    swapped = "35kV及以上每3个月检查一次，高危及重要客户每半年检查一次。"
    assert matched(swapped, points) == [False, False]
    swapped_sentences = "35kV及以上每3个月。高危及重要客户每半年。"
    assert matched(swapped_sentences, points) == [False, False]
    all_commas = "35千伏及以上的客户，每半年检查一次，高危和重要客户，每三个月检查一次"
    assert matched(all_commas, points) == [True, True]
    # Commas alone cannot tell which clause a number belongs to; the swap still never earns both.
    swapped_commas = "35千伏及以上的客户，每三个月检查一次，高危和重要客户，每半年检查一次"
    assert matched(swapped_commas, points)[0] is False


def test_a_bound_point_may_span_clauses_that_mention_part_of_another():
    points = ["复位 + 合上|合闸", "试验 + 掉闸"]
    answer = (
        "一个是复位按钮：当线路漏电，开关掉闸时，按一下此按钮开关即可合上；"
        "另一个是试验按钮：按一下，开关就会掉闸。"
    )
    assert matched(answer, points) == [True, True]
    assert matched("复位按钮用来试验，试验按钮按下后开关合上", points) == [False, False]


def test_missing_point_costs_its_share_and_weights_count():
    points = ["来有迎声", "问有答声", {"point": "去有送声", "weight": 2}]
    matches = match_points("来有迎声，问有答声", points, THESAURUS)
    assert [m.matched for m in matches] == [True, True, False]
    assert points_score(matches, Decimal(8)) == Decimal("4.00")
    assert matches[0].found == ["来有迎声"]


def test_empty_and_huge_answers():
    assert matched("", ["道歉"]) == [False]
    assert points_score(match_points("", ["道歉"]), Decimal(5)) == 0


def test_weights_are_written_after_the_point():
    assert read_key_point("停电通知 + 送达 ×2") == {"point": "停电通知 + 送达", "weight": 2}
    assert read_key_point("道歉 x1") == "道歉"
    assert write_key_point({"point": "送达", "weight": 1.5}) == "送达 ×1.5"
    with pytest.raises(ValueError, match="权重"):
        read_key_point("送达 ×0")


def test_key_point_parsing_and_problems():
    point = parse_key_point({"point": "35kV及以上 + 半年|6个月", "weight": 2})
    assert point.parts == (("35kV及以上",), ("半年", "6个月")) and point.weight == 2
    assert key_point_problems("。。。")
    assert key_point_problems("道歉 + ")
    assert key_point_problems({"point": "道歉", "weight": "x"})
    assert not key_point_problems("道歉|致歉")


def test_order_free_blanks_take_the_best_assignment():
    key = [["设计"], ["施工"]]
    assert grade_blanks(["施工", "设计"], key) == [False, False]
    assert grade_blanks(["施工", "设计"], key, unordered=True) == [True, True]
    assert grade_blanks(["施工", "施工"], key, unordered=True) == [True, False]
    assert grade_blanks(["五"], [["5个"]], thesaurus=THESAURUS) == [False]
    assert grade_blanks(["五个"], [["5个"]]) == [True]
