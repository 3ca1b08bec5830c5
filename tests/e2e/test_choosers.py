"""An editor links rule items to a question with the chooser: picks a rule set in the chooser's
filter, ticks an item, confirms; the earlier links stay as chips, one chip is removed, and the
saved question has exactly the chips' rules."""

import pytest
from playwright.sync_api import expect

from cases.models import RuleItem, RuleSet
from quizzes.models import Question

pytestmark = pytest.mark.e2e


def test_editor_adds_and_removes_rules_without_losing_the_others(open_session):
    question = Question.objects.filter(rules__isnull=False, material__isnull=True).first()
    linked = list(question.rules.order_by("pk"))
    rule_set = RuleSet.objects.get(code="shi-ge-bu-zhun")
    target = rule_set.items.exclude(pk__in=[r.pk for r in linked]).order_by("sort_order").last()

    session = open_session("choosers")
    page = session.page
    session.login("editor")
    session.goto(f"/admin/quizzes/questions/edit/{question.pk}/")
    chooser = page.locator("[data-multiple-chooser]").first
    chips = chooser.locator(".multiple-chooser__chip")
    expect(chips).to_have_count(len(linked))

    chooser.get_by_role("button", name="添加规范条目").click()
    modal = page.locator(".modal")
    modal.locator('select[name="rule_set"]').select_option(str(rule_set.pk))
    box = modal.locator(f'input[data-multiple-choice-select][value="{target.pk}"]')
    expect(box).to_be_visible()
    other = RuleItem.objects.exclude(rule_set=rule_set).first()
    expect(modal.locator(f'input[data-multiple-choice-select][value="{other.pk}"]')).to_have_count(
        0
    )
    box.check()
    modal.locator("[data-multiple-choice-submit]").click()
    expect(chips).to_have_count(len(linked) + 1)
    expect(chooser).to_contain_text(str(target))
    session.shot("01-chosen")

    removed = int(chips.first.get_attribute("data-value"))
    chips.first.locator("[data-remove]").click()
    expect(chips).to_have_count(len(linked))
    page.locator("#w-editor-form").get_by_role("button", name="保存").first.click()
    page.wait_for_load_state("networkidle")
    expected = ({r.pk for r in linked} - {removed}) | {target.pk}
    assert set(question.rules.values_list("pk", flat=True)) == expected
