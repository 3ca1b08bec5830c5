"""Editors' search in the Wagtail admin: every listing with a search box, searched in Chinese (and by code
and source where it has them), answers 200 and lists the item looked for; page search and the choosers
find a case or a rule by any part of its title or body. Runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL."""

import re

import pytest
from django.urls import reverse
from wagtail.admin.viewsets import viewsets as admin_viewsets
from wagtail.admin.viewsets.model import ModelViewSet

from assessment.models import AssessmentScheme
from cases.models import CasePage, QAItem, RuleItem, RuleSet, SourceDocument
from portal.organisation.models import StaffProfile, Unit
from portal.thesaurus.models import ThesaurusGroup
from quizzes.models import (
    Blueprint,
    Exam,
    ExclusionGroup,
    Material,
    Question,
    QuestionCategory,
)

pytestmark = pytest.mark.django_db

# listing URL → (query, the model, a filter naming the rows the query must list)
SEARCHES = [
    ("/admin/snippets/cases/ruleset/", "十个不准", RuleSet, {"code": "shi-ge-bu-zhun"}),
    ("/admin/snippets/cases/ruleset/", "shi-ge-bu-zhun", RuleSet, {"code": "shi-ge-bu-zhun"}),
    ("/admin/snippets/cases/ruleset/", "供电营业规则", RuleSet, {"kind": "regulation"}),
    ("/admin/snippets/cases/ruleset/", "杨林供电所", RuleSet, {"code": "nong-cun-gong-dian-suo"}),
    (
        "/admin/snippets/cases/ruleitem/",
        "收受客户礼品",
        RuleItem,
        {"title__contains": "收受客户礼品"},
    ),
    ("/admin/snippets/cases/ruleitem/", "十个不准 饮酒", RuleItem, {"title__contains": "饮酒"}),
    ("/admin/snippets/cases/ruleitem/", "gongdian-yingye-guize", RuleItem, {"key": "67"}),
    (
        "/admin/snippets/cases/ruleitem/",
        "抢（急）修服务规范",
        RuleItem,
        {"key": "1", "rule_set__code": "qiang-xiu-fu-wu"},
    ),
    ("/admin/snippets/cases/qaitem/", "窃电", QAItem, {"code": "qa-004-marketing-034"}),
    (
        "/admin/snippets/cases/qaitem/",
        "qa-004-marketing-034",
        QAItem,
        {"code": "qa-004-marketing-034"},
    ),
    ("/admin/snippets/cases/qaitem/", "投訴 回访", QAItem, {"code": "qa-004-service-023"}),
    ("/admin/snippets/cases/qaitem/", "000_ab31190c89393b9e", QAItem, {"code": "qa-000-guide-01"}),
    ("/admin/snippets/thesaurus/thesaurusgroup/", "拉闸", ThesaurusGroup, {"terms__0": "停电"}),
    ("/admin/snippets/thesaurus/thesaurusgroup/", "kV", ThesaurusGroup, {"note__contains": ""}),
    (
        "/admin/snippets/cases/sourcedocument/",
        "抢（急）修",
        SourceDocument,
        {"file_name__startswith": "003_"},
    ),
    ("/admin/quizzes/questions/", "窃电", Question, {"stem__contains": "窃电"}),
    ("/admin/quizzes/materials/", "停电", Material, {"text__contains": "停电"}),
    ("/admin/quizzes/materials/", "m-nc01", Material, {"code__startswith": "m-nc01"}),
    (
        "/admin/quizzes/exclusion-groups/",
        "十个不准",
        ExclusionGroup,
        {"name__contains": "十个不准"},
    ),
    ("/admin/quizzes/categories/", "礼仪", QuestionCategory, {"path__contains": "礼仪"}),
    ("/admin/quizzes/blueprints/", "综合知识", Blueprint, {"name__contains": "综合知识"}),
    ("/admin/quizzes/exams/", "综合知识", Exam, {"title__contains": "综合知识"}),
    ("/admin/units/", "营业厅", Unit, {"name__contains": "营业厅"}),
    ("/admin/staff_profiles/", "DL1020", StaffProfile, {"employee_number": "DL1020"}),
]
OTHER_SEARCHABLE = {  # listings whose search box is Wagtail's own and holds no Chinese text of ours
    "/admin/users/",
    "/admin/groups/",
    "/admin/sites/",
}


@pytest.fixture
def editor_client(client, admin_user_demo):
    client.force_login(admin_user_demo)
    return client


def edit_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r"/edit/(\d+)/", html)}


def listing_urls() -> set[str]:
    urls = set()
    for viewset in admin_viewsets.viewsets:
        if not isinstance(viewset, ModelViewSet) or viewset.model is None:
            continue
        for name in ("list", "index"):
            try:
                urls.add(reverse(viewset.get_url_name(name)))
                break
            except Exception:  # noqa: BLE001, S112 - a viewset with the other name
                continue
    return urls


def test_every_listing_with_a_search_box_is_tested(editor_client):
    tested = {url for url, *_ in SEARCHES} | OTHER_SEARCHABLE
    searchable = set()
    for url in listing_urls():
        response = editor_client.get(url)
        assert response.status_code == 200, url
        if 'name="q"' in response.content.decode():
            searchable.add(url)
    assert searchable - tested == set()
    assert {url for url, *_ in SEARCHES} <= searchable


@pytest.mark.parametrize(("url", "query", "model", "wanted"), SEARCHES)
def test_listing_search_finds_the_item(editor_client, url, query, model, wanted):
    expected = set(model.objects.filter(**wanted).values_list("pk", flat=True))
    if model is ThesaurusGroup and query == "kV":
        expected = {
            g.pk for g in ThesaurusGroup.objects.all() if any("kv" in t.lower() for t in g.terms)
        }
    assert expected, wanted
    response = editor_client.get(url, {"q": query})
    assert response.status_code == 200
    shown = edit_links(response.content.decode())
    assert shown & expected, (url, query)
    # The results-only fragment the search box fetches as one types.
    results = editor_client.get(url + "results/", {"q": query})
    assert results.status_code == 200
    assert edit_links(results.content.decode()) & expected


@pytest.mark.parametrize(
    "query", ['" OR * NEAR(', "停电\u3000\u3000", "%_", "a" * 300, "停" * 2000]
)
def test_listing_search_of_odd_input(editor_client, query):
    for url in {url for url, *_ in SEARCHES}:
        assert editor_client.get(url, {"q": query}).status_code == 200, url


@pytest.mark.parametrize(
    "query",
    ["两支蜡烛", "依法停电不得已", "总表电费43万元", "兩支蠟燭", "蜡烛 两支"],
)
def test_page_search_finds_a_case_by_any_part(editor_client, query):
    case = CasePage.objects.get(slug="dian-xing-05")
    response = editor_client.get("/admin/pages/search/", {"q": query})
    assert response.status_code == 200
    assert case.pk in {
        int(pk) for pk in re.findall(r"/admin/pages/(\d+)/", response.content.decode())
    }


def test_page_listing_search_under_the_case_index(editor_client):
    case = CasePage.objects.get(slug="dian-xing-05")
    response = editor_client.get(f"/admin/pages/{case.get_parent().pk}/", {"q": "蜡烛"})
    assert response.status_code == 200
    assert f"/admin/pages/{case.pk}/" in response.content.decode()


def test_choosers_find_by_chinese(editor_client):
    rule = RuleItem.objects.get(rule_set__code="shi-ge-bu-zhun", key="7")
    response = editor_client.get("/admin/snippets/choose/cases/ruleitem/", {"q": "收受客户礼品"})
    assert response.status_code == 200
    assert f"/chosen/{rule.pk}/" in response.content.decode()
    case = CasePage.objects.get(slug="dian-xing-05")
    response = editor_client.get("/admin/choose-page/search/", {"q": "蜡烛"})
    assert response.status_code == 200
    assert case.title in response.content.decode()


def test_assessment_schemes_listing_opens(editor_client):
    AssessmentScheme.objects.count()
    assert editor_client.get("/admin/assessment_schemes/").status_code == 200


@pytest.mark.parametrize(
    "query", ['" OR * NEAR(', "停电 OR *", "*", "a'b", '两支蜡烛"', "停" * 2000]
)
def test_page_search_of_odd_input(editor_client, query):
    assert editor_client.get("/admin/pages/search/", {"q": query}).status_code == 200
    assert editor_client.get("/admin/choose-page/search/", {"q": query}).status_code == 200
