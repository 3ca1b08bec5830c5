"""Choosers that keep work (issue 20): the rule-item chooser modal filters by rule set (and
searches), chooses several at once, and the many-to-many fields of Q&A items and case pages are
chips with a chooser button rather than a bare multi-select."""

import json

import pytest

from cases.models import CasePage, QAItem, RuleItem, RuleSet

pytestmark = pytest.mark.django_db

CHOOSE = "/admin/snippets/choose/cases/ruleitem/"


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


def chooser_html(response) -> str:
    assert response.status_code == 200
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)["html"]
    return response.content.decode()


def test_the_rule_chooser_filters_by_rule_set(editor_client):
    rule_set = RuleSet.objects.get(code="shi-ge-bu-zhun")
    other = RuleItem.objects.exclude(rule_set=rule_set).first()
    html = chooser_html(editor_client.get(CHOOSE, {"multiple": 1}))
    assert "所属规范" in html and "全部规范" in html and 'name="rule_set"' in html
    results = chooser_html(
        editor_client.get(f"{CHOOSE}results/", {"rule_set": rule_set.pk, "multiple": 1})
    )
    for item in rule_set.items.all()[:3]:
        assert f'value="{item.pk}"' in results
    assert f'value="{other.pk}"' not in results


def test_several_rules_are_chosen_at_once(editor_client):
    items = list(RuleItem.objects.all()[:2])
    response = editor_client.get(
        f"{CHOOSE}chosen-multiple/", {"id": [str(item.pk) for item in items]}
    )
    chosen = json.loads(response.content)["result"]
    assert [str(row["id"]) for row in chosen] == [str(item.pk) for item in items]


def test_qa_items_and_case_pages_show_chips_not_a_bare_multi_select(editor_client):
    item = QAItem.objects.filter(related_rules__isnull=False).first()
    page = editor_client.get(f"/admin/snippets/cases/qaitem/edit/{item.pk}/").content.decode()
    assert "添加规范条目" in page and "multiple-chooser__chip" in page
    select = page.split('name="related_rules"', 1)[1].split("</select>", 1)[0]
    assert select.count("<option") == item.related_rules.count()
    case = CasePage.objects.filter(related_rules__isnull=False).first()
    page = editor_client.get(f"/admin/pages/{case.pk}/edit/").content.decode()
    assert "添加规范条目" in page and "/admin/snippets/choose/cases/ruleitem/" in page
