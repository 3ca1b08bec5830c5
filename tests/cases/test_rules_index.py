"""The rules index (/knowledge/rules/): a table of contents of the rule sets, each rule set folded
in details/summary with an anchor, each item with its own anchor, in a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import RuleItem, RuleSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_table_of_contents_links_to_every_rule_set(staff_client):
    html = staff_client.get("/knowledge/rules/").content.decode()
    toc = html.split('class="card rules-toc"', 1)[1].split("</nav>", 1)[0]
    toc_targets = re.findall(r'href="#(set-[^"]+)"', toc)
    folded = re.findall(r'<details class="card rule-set" id="(set-[^"]+)"', html)
    codes = list(
        RuleSet.objects.filter(items__isnull=False).distinct().values_list("code", flat=True)
    )
    assert len(codes) > 3
    assert toc_targets == folded
    assert {f"set-{code}" for code in codes} == set(folded)
    # Folded on arrival (a table of contents, not one long page), with a way to open all.
    assert " open>" not in html.split('id="rules-toc-title"', 1)[1].split("<details", 1)[0]
    assert not re.search(r'<details class="card rule-set" id="[^"]+" open>', html)
    assert 'data-rules-toggle="open"' in html and "cases/rules.js" in html


def test_every_item_has_an_anchor_and_a_link(staff_client):
    html = staff_client.get("/knowledge/rules/").content.decode()
    rule = RuleItem.objects.select_related("rule_set").get(rule_set__code="shi-ge-bu-zhun", key="7")
    assert 'id="rule-shi-ge-bu-zhun-7"' in html
    assert 'href="/knowledge/rules/shi-ge-bu-zhun/7/"' in html
    assert rule.title in html
    ids = re.findall(r'id="(rule-[^"]+)"', html)
    assert len(ids) == len(set(ids)) == RuleItem.objects.count()


def test_a_category_filter_opens_the_rule_sets_it_leaves(staff_client):
    html = staff_client.get("/knowledge/rules/?category=抢修").content.decode()
    opened = re.findall(r'<details class="card rule-set" id="(set-[^"]+)" open>', html)
    assert opened
    assert len(opened) == len(re.findall(r'<details class="card rule-set"', html))


def test_rules_index_in_a_fixed_number_of_queries(staff_client):
    staff_client.get("/knowledge/rules/")
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get("/knowledge/rules/").status_code == 200
    assert len(queries) <= 8, [q["sql"][:120] for q in queries.captured_queries]
