"""Staff reading pages: content, links, access and a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.loaders import case_index_page
from cases.models import CasePage, QAItem, RuleItem, RuleSet

pytestmark = pytest.mark.django_db

PAGES = [
    "/knowledge/rules/",
    "/knowledge/rules/?category=抢修",
    "/knowledge/rules/shi-ge-bu-zhun/",
    "/knowledge/rules/gongdian-yingye-guize/67/",
    "/knowledge/qa/",
    "/knowledge/qa/?category=礼仪",
    "/knowledge/qa/qa-004-service-089/",
    "/cases/",
    "/cases/?kind=good",
    "/cases/dian-xing-01/",
    "/knowledge/sources/004_0c2efcfe3ea11507.txt/",
    "/search/?q=停电",
]


@pytest.mark.parametrize("url", PAGES)
def test_knowledge_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_knowledge_pages_render_for_staff(client, staff_user, url):
    client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/knowledge/rules/no-such-set/",
        "/knowledge/rules/shi-ge-bu-zhun/99/",
        "/knowledge/qa/no-such-item/",
        "/knowledge/sources/../../settings.py/",
        "/knowledge/sources/nothing.txt/",
        "/cases/no-such-case/",
    ],
)
def test_unknown_items_are_404(client, staff_user, url):
    client.force_login(staff_user)
    assert client.get(url).status_code == 404


def test_unknown_filter_values_are_ignored(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/knowledge/rules/?category=<script>")
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()
    response = client.get("/cases/?kind=evil&category=x")
    assert response.status_code == 200
    assert response.content.decode().count("case-tile") == CasePage.objects.live().count()


def test_case_page_shows_sections_and_links_to_broken_rules(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/cases/dian-xing-01/").content.decode()
    for heading in ["案例提要", "事件过程", "违规条款", "暴露问题", "案例点评"]:
        assert heading in html
    assert "/knowledge/rules/gongdian-yingye-guize/83/" in html
    assert "/knowledge/rules/shi-ge-bu-zhun/4/" in html
    assert "查看原文出处" in html


def test_good_case_has_its_own_sections(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/cases/dian-xing-05/").content.decode()
    assert "两支蜡烛" in html and "服务过程" in html and "取得效果" in html
    assert "违规条款" not in html


def test_rule_page_lists_cases_that_broke_it_and_its_source(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/knowledge/rules/gongdian-yingye-guize/67/").content.decode()
    case = CasePage.objects.get(slug="dian-xing-02")
    assert case.title in html and case.url in html
    assert "查看原文出处" in html


def test_case_filters(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/cases/?kind=good").content.decode()
    good = CasePage.objects.live().filter(kind="good")
    assert html.count("case-tile") == good.count() >= 2
    html = client.get("/cases/?kind=bad&category=抄表收费").content.decode()
    expected = CasePage.objects.live().filter(kind="bad", category="抄表收费").count()
    assert html.count("case-tile") == expected >= 3


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def add_more_content():
    """Double up some of everything, so a per-item query would show."""
    rule_set = RuleSet.objects.get(code="shi-ge-bu-zhun")
    base_rule = rule_set.items.first()
    for n in range(20):
        RuleItem.objects.create(
            rule_set=rule_set,
            key=f"extra{n}",
            title=f"附加条目{n}",
            text="附加条文",
            category=base_rule.category,
            source=base_rule.source,
            quote=base_rule.quote,
            sort_order=100 + n,
        )
    qa = QAItem.objects.first()
    for n in range(20):
        extra = QAItem.objects.create(
            code=f"extra-{n}",
            collection=qa.collection,
            category=qa.category,
            question=f"附加问题{n}",
            answer="附加答案",
            key_points=["附加"],
            source=qa.source,
            quote=qa.quote,
        )
        extra.related_rules.add(base_rule)
    index = case_index_page()
    template = CasePage.objects.get(slug="dian-xing-01")
    for n in range(5):
        case = CasePage(
            title=f"附加案例{n}",
            slug=f"extra-case-{n}",
            kind="bad",
            category="抄表收费",
            source=template.source,
            body=template.body.raw_data,
        )
        case.related_rules = list(template.related_rules.all())
        index.add_child(instance=case)


@pytest.mark.parametrize(
    "url",
    [
        "/knowledge/rules/",
        "/knowledge/rules/shi-ge-bu-zhun/",
        "/knowledge/rules/shi-ge-bu-zhun/4/",
        "/knowledge/qa/",
        "/knowledge/qa/qa-004-service-089/",
        "/cases/",
        "/cases/dian-xing-01/",
    ],
)
def test_query_count_does_not_grow_with_content(client, staff_user, url):
    client.force_login(staff_user)
    queries_for(client, url)  # warm caches (site root paths, permissions)
    before = queries_for(client, url)
    add_more_content()
    after = queries_for(client, url)
    assert after == before, f"{url}: {before} → {after} queries"
    assert before <= 18


def test_search_page_query_count_is_fixed(client, staff_user, django_assert_max_num_queries):
    client.force_login(staff_user)
    client.get("/search/?q=投诉")
    with django_assert_max_num_queries(25):
        response = client.get("/search/?q=投诉")
    assert response.status_code == 200
