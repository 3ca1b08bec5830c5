"""The /search/ page: what it shows, and odd input answered with a Chinese hint or a cut query, never an error."""

import re

import pytest

from portal.search.selectors import MAX_QUERY_LENGTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def page(client, query: str, **params):
    response = client.get("/search/", {"q": query, **params})
    return response, response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "%%%",
        "！？。，……",
        "' OR 1=1 --",
        '" OR * NEAR(',
        'NEAR("停电" "投诉", 2) OR 电*',
        "停电 AND NOT 投诉",
        "<script>alert(1)</script>",
        "停" * 2000,
        "电" * 60 + " " + "a" * 300,
        "😀",
        "\u200b\ufeff",
    ],
)
def test_odd_queries_get_a_page_not_an_error(staff_client, query):
    response, html = page(staff_client, query)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html


def test_nul_is_refused_with_a_chinese_message(staff_client):
    # Every page refuses NUL before any view (portal.security.RejectNulMiddleware).
    response, html = page(staff_client, "停电\x00")
    assert response.status_code == 400 and "无效的空字符" in html


def test_punctuation_only_gets_a_hint(staff_client):
    _, html = page(staff_client, "！？。，……")
    assert "请输入中文词语、数字或字母" in html


def test_long_query_is_cut_and_the_box_says_the_same_limit(staff_client):
    _, html = page(staff_client, "停电" * 1000)
    assert f"只按前 {MAX_QUERY_LENGTH} 个字搜索" in html
    assert f'maxlength="{MAX_QUERY_LENGTH}"' in html
    assert f"最多 {MAX_QUERY_LENGTH} 个字" in html


def test_results_grouped_highlighted_with_links(staff_client):
    _, html = page(staff_client, "停电")
    assert "<mark>停电</mark>" in html
    for label in ["服务规范", "知识问答", "典型案例"]:
        assert label in html
    assert "按相关程度排列" in html


def test_answer_card_on_top(staff_client):
    _, html = page(staff_client, "哪些行为属于窃电")
    card = html.index("直接回答")
    assert card < html.index("共找到")
    assert "/knowledge/qa/qa-004-marketing-034/" in html[card:]


def test_clause_card(staff_client):
    _, html = page(staff_client, "十个不准第四条")
    assert "所查条款" in html
    first = re.search(r'class="hit-link" href="([^"]+)"', html).group(1)
    assert first == "/knowledge/rules/shi-ge-bu-zhun/4/"


def test_one_kind_in_full(staff_client):
    _, html = page(staff_client, "电", kind="rules")
    assert "服务规范" in html and "典型案例" not in html.split("共找到")[1]


def test_empty_page_suggests_terms(staff_client):
    _, html = page(staff_client, "")
    assert "常用搜索" in html and "十个不准" in html


def test_nothing_found_suggests_terms(staff_client):
    _, html = page(staff_client, "量子纠缠")
    assert "没有找到" in html and "可以试试" in html


def test_traditional_query_page_says_it_searched_simplified(staff_client):
    _, html = page(staff_client, "投訴")
    assert "已按简体“投诉”搜索" in html


def test_anonymous_is_sent_to_log_in(client):
    assert client.get("/search/", {"q": "停电"}).status_code == 302
