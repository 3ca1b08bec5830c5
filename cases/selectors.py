"""Read-side queries for the knowledge pages. Each runs a fixed number of queries."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from .choices import Category
from .models import QAItem, RuleItem, RuleSet


def rule_sets_with_items(*, category: str = "") -> list[RuleSet]:
    items = RuleItem.objects.order_by("sort_order")
    if category:
        items = items.filter(category=category)
    rule_sets = RuleSet.objects.prefetch_related(Prefetch("items", queryset=items))
    if category:
        rule_sets = rule_sets.filter(items__category=category).distinct()
    return list(rule_sets)


def rule_set_or_404(code: str) -> RuleSet:
    rule_set = (
        RuleSet.objects.select_related("source")
        .prefetch_related(Prefetch("items", queryset=RuleItem.objects.order_by("sort_order")))
        .filter(code=code)
        .first()
    )
    if rule_set is None:
        raise Http404("规范不存在")
    return rule_set


def rule_detail_or_404(*, set_code: str, key: str) -> dict:
    rule = (
        RuleItem.objects.select_related(
            "rule_set", "source", "supersedes__rule_set", "superseded_by__rule_set"
        )
        .filter(rule_set__code=set_code, key=key)
        .first()
    )
    if rule is None:
        raise Http404("规范条目不存在")
    return {
        "rule": rule,
        "cases": list(rule.cases.live().order_by("path")),
        "qa_items": list(rule.qa_items.order_by("sort_order")),
    }


def qa_listing(*, category: str = "") -> dict:
    items: QuerySet[QAItem] = QAItem.objects.order_by("sort_order")
    if category:
        items = items.filter(category=category)
    return {"items": list(items), "categories": Category.choices, "selected_category": category}


def qa_detail_or_404(code: str) -> QAItem:
    item = (
        QAItem.objects.select_related("source")
        .prefetch_related(
            Prefetch("related_rules", queryset=RuleItem.objects.select_related("rule_set"))
        )
        .filter(code=code)
        .first()
    )
    if item is None:
        raise Http404("问答不存在")
    return item
