"""Quotes checked on save (issue 20): a rule item, Q&A item, case section, question or material
whose quote is not in its source document is refused with the nearest passage of the source; the
check is verify_sources' own (cases.sourcing), so save-time and verify_sources agree."""

import json

import pytest
from wagtail.test.utils.form_data import nested_form_data, streamfield

from cases.loaders import case_index_page
from cases.models import CasePage, QAItem, RuleItem, RuleSet, SourceDocument
from cases.quote_check import nearest_passage, quote_problem, source_text
from cases.sourcing import StoredQuote, verify_quotes

pytestmark = pytest.mark.django_db

GOOD = "来有迎声"


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


@pytest.fixture
def source():
    return SourceDocument.objects.get(file_name="004_0c2efcfe3ea11507.txt")


def test_the_nearest_passage_is_the_one_the_editor_meant(source):
    text = source_text(source)
    assert GOOD in text
    # One character mistyped: the nearest passage holds the original words.
    assert GOOD in nearest_passage("来有迎生", text)
    assert nearest_passage("完全无关的英文 xyz", "abc def") == ""


def test_save_time_check_and_verify_sources_agree(source):
    for quote in (GOOD, "来有 迎\n声", "这句话不在原文中"):
        at_save = quote_problem(quote=quote, source=source) == ""
        report = verify_quotes([StoredQuote("测试", "t", source.file_name, quote)])
        assert at_save == (not report.missing), quote


def rule_data(source, quote) -> dict:
    return {
        "rule_set": RuleSet.objects.get(code="si-sheng-fu-wu").pk,
        "key": "99",
        "number": "99",
        "title": "摘录测试",
        "text": "来有迎声",
        "category": "礼仪",
        "sort_order": 99,
        "source": source.pk,
        "quote": quote,
        "validity": "valid",
        "note": "",
    }


def test_a_rule_item_with_a_wrong_quote_is_refused_with_the_nearest_passage(editor_client, source):
    response = editor_client.post(
        "/admin/snippets/cases/ruleitem/add/", rule_data(source, "来有迎生")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "这段摘录在" in page and "最接近的原文" in page and GOOD in page
    assert not RuleItem.objects.filter(key="99").exists()
    response = editor_client.post("/admin/snippets/cases/ruleitem/add/", rule_data(source, GOOD))
    assert response.status_code == 302


def test_a_qa_item_with_a_wrong_quote_is_refused(editor_client, source):
    item = QAItem.objects.filter(source=source).first()
    data = {
        "code": item.code,
        "collection": item.collection,
        "category": item.category,
        "number": item.number or "",
        "question": item.question,
        "answer": item.answer,
        "key_points": "\n".join(p if isinstance(p, str) else p["point"] for p in item.key_points),
        "sort_order": item.sort_order,
        "source": source.pk,
        "quote": "这句话不在原文中",
        "validity": item.validity,
        "note": item.note,
    }
    response = editor_client.post(f"/admin/snippets/cases/qaitem/edit/{item.pk}/", data)
    assert response.status_code == 200 and "这段摘录在" in response.content.decode()
    item.refresh_from_db()
    assert item.quote != "这句话不在原文中"


def test_a_case_section_with_a_wrong_quote_is_refused(editor_client, source):
    index = case_index_page()
    data = nested_form_data(
        {
            "title": "摘录案例",
            "slug": "quote-case",
            "kind": "bad",
            "category": "营业",
            "series": "",
            "number": "",
            "source": source.pk,
            "body": streamfield([("summary", {"text": "提要", "quote": "这句话不在原文中"})]),
            "action-publish": "publish",
        }
    )
    response = editor_client.post(f"/admin/pages/add/cases/casepage/{index.pk}/", data)
    assert response.status_code == 200
    error = response.context["form"].errors.as_data()["body"][0]
    messages = [m for e in error.non_block_errors.as_data() for m in e.messages]
    assert "第 1 段：这段摘录在" in messages[0]
    # The message reaches the page (inside the stream editor's data, JSON-escaped).
    assert json.dumps("第 1 段：这段摘录在")[1:-1] in response.content.decode()
    assert not CasePage.objects.filter(slug="quote-case").exists()
    data["body-0-value-quote"] = GOOD
    response = editor_client.post(f"/admin/pages/add/cases/casepage/{index.pk}/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
