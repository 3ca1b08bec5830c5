"""How texts and queries are analysed: comparable text, terms, the core of a question, clauses."""

from portal.search.analysis import clause_number, prepare, query_core, query_terms, terms
from portal.search.cjk import index_tokens, query_tokens
from portal.search.selectors import MAX_QUERY_LENGTH, has_search_text, normalise_query
from portal.thesaurus.text import Thesaurus


def test_prepare_reads_script_width_numerals_and_units_alike():
    assert prepare("三十五千伏") == prepare("35kV") == "35kv"
    assert prepare("投訴") == "投诉"
    assert prepare("ＡＢＣ１２") == "abc12"
    assert prepare("十个不准第四条") == "10个不准第4条"
    assert prepare("半年") == prepare("6个月")


def test_prepare_maps_thesaurus_terms_to_the_first_of_their_group():
    thesaurus = Thesaurus([["停电", "拉闸", "断电"], ["电能表", "电表"]])
    assert prepare("客户欠费能直接拉闸吗", thesaurus) == "客户欠费能直接停电吗"
    assert prepare("电表", thesaurus) == "电能表"


def test_terms_are_characters_pairs_and_longer_words():
    found = terms(prepare("客户来电投诉停电时"))
    assert {"停电", "投诉", "电投", "停", "电"} <= set(found)
    assert "35kv" in terms(prepare("35千伏客户"))  # a number and its unit make one pair


def test_question_and_filler_words_are_dropped():
    assert query_core(prepare("电话铃响几声内接听")) == ["电话铃响", "内接听"]
    assert query_core(prepare("农村抢修多长时间到现场")) == ["农村抢修", "到现场"]
    assert query_core(prepare("哪些行为算窃电")) == ["行为算窃电"]
    assert query_core(prepare("客户拖欠电费能直接拉闸吗")) == ["客户拖欠电费", "直接拉闸"]
    assert query_core(prepare("什么吗")) == []


def test_pairs_across_two_words_count_less():
    weights = query_terms("客户交了电费", singles=False)
    assert weights["客户"] == 1.0 and weights["电费"] == 1.0
    assert weights["户交"] < 1.0


def test_clause_numbers():
    assert clause_number(prepare("十个不准第四条")) == ("10个不准", 4)
    assert clause_number(prepare("首问负责制 第2条")) == ("首问负责制", 2)
    assert clause_number(prepare("供电营业规则第六十七条")) == ("供电营业规则", 67)
    assert clause_number(prepare("停电通知")) == ("停电通知", None)


def test_normalised_query_is_simplified_trimmed_and_cut():
    assert normalise_query("  投訴\x00 电话\t") == "投诉 电话"
    assert len(normalise_query("停" * 2000)) == MAX_QUERY_LENGTH
    assert not has_search_text(normalise_query("！？。，……"))
    assert has_search_text("95598")


def test_admin_tokens_for_wagtails_index():
    assert query_tokens("十个不准") == ["十个", "个不", "不准"]
    assert query_tokens("95598热线") == ["热线", "95598"]
    tokens = index_tokens("客户来电投诉停电时").split()
    assert "停电" in tokens and "投诉" in tokens
