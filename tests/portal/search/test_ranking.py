"""The site search on the seed knowledge base: ranking, synonyms, clauses, the answer card, highlighting,
the looser pass, article order, rebuilding after an edit, and a fixed number of queries.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL: the index is the same in-memory one."""

import pytest
from django.utils.html import strip_tags

from cases.models import QAItem, RuleItem, SourceDocument
from portal.search import versions
from portal.search.selectors import current_index, normalise_query, site_search
from portal.thesaurus.models import ThesaurusGroup

pytestmark = pytest.mark.django_db


def links(query: str) -> list[str]:
    return site_search(normalise_query(query)).links()


def top(query: str, count: int = 5) -> list[str]:
    return links(query)[:count]


@pytest.fixture
def edits_index():
    """For tests that change searched items: the next test's index is built afresh (a rolled
    back transaction sends no signal)."""
    yield
    versions.bump_version()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("电话铃响几声内接听", "/knowledge/rules/ke-fu-re-xian/1/"),
        ("几声接听", "/knowledge/rules/ke-fu-re-xian/1/"),
        ("响铃三声", "/knowledge/rules/ke-fu-re-xian/1/"),
        ("收受礼品", "/knowledge/rules/shi-ge-bu-zhun/7/"),
        ("哪些行为算窃电", "/knowledge/qa/qa-004-marketing-034/"),
        ("地面湿滑摆什么牌子", "/knowledge/qa/qa-004-service-015/"),
        ("高危客户检查周期", "/knowledge/rules/da-ke-hu/31/"),
        ("35千伏客户多久检查一次", "/knowledge/rules/da-ke-hu/30/"),
        ("农村抢修多长时间到现场", "/knowledge/rules/qiang-xiu-fu-wu/31/"),
    ],
)
def test_questions_as_staff_type_them_find_the_item(query, expected):
    assert expected in top(query)


def test_or_over_terms_a_bigram_across_words_does_not_kill_the_query():
    # 声接 and 受礼 span two words; every item need not hold every pair.
    assert top("三声以内接电话")
    assert top("投诉 电话 回访")


def test_title_above_body_and_exact_phrase_first():
    page = site_search("首问负责")
    rules = page.groups[0]
    assert rules.kind.key == "rules"
    assert "首问负责制" in strip_tags(str(rules.hits[0].title))


def test_groups_are_ordered_by_their_best_result():
    page = site_search(normalise_query("哪些行为算窃电"))
    assert page.groups[0].kind.key == "qa"
    keys = [group.kind.key for group in page.groups]
    assert len(keys) == len(set(keys))


def test_synonyms_of_the_seed_thesaurus():
    # 拉闸 = 停电 (search-only group), 电表 = 电能表, 牌子 = 标识/标示.
    assert any("停电" in str(hit.title) for hit in site_search("拉闸").groups[0].hits)
    assert "/knowledge/qa/qa-004-marketing-031/" in top("哪里不能装电表")
    assert "/knowledge/qa/qa-004-service-015/" in top("地滑放什么牌子")


def test_an_editors_new_group_applies_at_once(edits_index):
    wanted = "/knowledge/rules/gongdian-yingye-guize/67/"
    assert wanted not in top("鸡毛信提前几天送到", 3)
    ThesaurusGroup.objects.create(terms=["停电通知", "鸡毛信"], use=ThesaurusGroup.Use.SEARCH)
    assert wanted in top("鸡毛信提前几天送到", 3)


def test_items_of_a_named_rule_set_in_article_order():
    page = site_search("十个不准")
    rules = next(group for group in page.groups if group.kind.key == "rules")
    assert rules.ordered
    urls = [hit.url for hit in rules.hits[:10]]
    assert urls == [f"/knowledge/rules/shi-ge-bu-zhun/{n}/" for n in range(1, 11)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("十个不准第四条", "/knowledge/rules/shi-ge-bu-zhun/4/"),
        ("十个不准 第4条", "/knowledge/rules/shi-ge-bu-zhun/4/"),
        ("首问负责制 第2条", "/knowledge/rules/shou-wen-fu-ze/2/"),
        ("供电营业规则第六十七条", "/knowledge/rules/gongdian-yingye-guize/67/"),
    ],
)
def test_a_clause_query_goes_to_that_clause(query, expected):
    page = site_search(normalise_query(query))
    assert [hit.url for hit in page.clauses] == [expected]
    assert page.links()[0] == expected


def test_answer_card_when_a_question_matches_closely():
    page = site_search(normalise_query("哪些行为属于窃电"))
    assert page.card is not None
    assert page.card.url == "/knowledge/qa/qa-004-marketing-034/"
    assert "擅自接线用电" in str(page.card.answer)


def test_no_answer_card_for_a_loose_match():
    assert site_search("停电").card is None


def test_matched_passage_is_highlighted():
    page = site_search(normalise_query("投诉办结后多久回访"))
    hit = next(hit for group in page.groups for hit in group.hits if "fu-wu-shi-xian/12" in hit.url)
    assert "<mark>回访</mark>" in str(hit.title) + str(hit.excerpt)
    assert "多久" not in str(hit.excerpt)  # question words are not marked


def test_highlight_marks_the_written_term_for_a_colloquial_one():
    page = site_search(normalise_query("地滑放什么牌子"))
    html = " ".join(str(hit.excerpt) + str(hit.title) for g in page.groups for hit in g.hits)
    assert "<mark>标示</mark>" in html or "<mark>标识</mark>" in html


def test_looser_pass_before_nothing():
    page = site_search("蜡两烛支")  # no pair of it occurs anywhere, its characters do
    assert page.loose
    assert "/cases/dian-xing-05/" in page.links()


def test_nothing_found_suggests_terms():
    page = site_search("量子纠缠")
    assert page.searched and not page.groups
    assert page.suggestions


def test_empty_query_suggests_terms():
    page = site_search("")
    assert not page.searched and page.suggestions


def test_traditional_query_finds_simplified_content():
    assert links(normalise_query("投訴")) == links("投诉")


def test_case_by_part_of_its_title():
    assert "/cases/dian-xing-05/" in top("两支蜡烛")


def test_index_rebuilt_after_an_edit(edits_index):
    source = SourceDocument.objects.first()
    current_index()
    item = QAItem.objects.create(
        code="qa-test-zebra",
        collection="测试",
        category="礼仪",
        question="斑马线旁边的配电箱归谁管？",
        answer="归供电企业管理。",
        key_points=["供电企业"],
        source=source,
        quote="x",
    )
    assert "/knowledge/qa/qa-test-zebra/" in top("斑马线配电箱")
    item.question = "长颈鹿旁边的配电箱归谁管？"
    item.save()
    assert "/knowledge/qa/qa-test-zebra/" not in top("斑马线")
    assert "/knowledge/qa/qa-test-zebra/" in top("长颈鹿")
    item.delete()
    assert "/knowledge/qa/qa-test-zebra/" not in top("长颈鹿")


def test_rule_edit_rebuilds_too(edits_index):
    rule = RuleItem.objects.get(rule_set__code="shi-ge-bu-zhun", key="9")
    rule.text = "不准工作时间饮酒，也不准喝奶茶。"
    rule.save()
    assert top("喝奶茶")[0] == "/knowledge/rules/shi-ge-bu-zhun/9/"


def test_a_search_reads_nothing_from_the_database(django_assert_num_queries):
    site_search("停电")  # builds the index if needed
    for query in ["电话铃响几声内接听", "十个不准第四条", "量子纠缠", "蜡两烛支", "十个不准", ""]:
        with django_assert_num_queries(0):
            site_search(normalise_query(query))
