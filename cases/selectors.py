"""Read-side queries for the knowledge pages. Each runs a fixed number of queries."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from .blocks import SECTION_LABELS
from .models import CasePage, Category, QAItem, RuleItem, RuleSet


def valid_category(value: str) -> str:
    return value if value in Category.values else ""


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


def case_listing(*, kind: str = "", category: str = "") -> dict:
    kind = kind if kind in CasePage.Kind.values else ""
    category = valid_category(category)
    cases = CasePage.objects.live().order_by("path")
    if kind:
        cases = cases.filter(kind=kind)
    if category:
        cases = cases.filter(category=category)
    return {
        "cases": list(cases),
        "kinds": CasePage.Kind.choices,
        "categories": Category.choices,
        "selected_kind": kind,
        "selected_category": category,
    }


def case_sections(case: CasePage) -> dict:
    """The case's parts, with violated clauses resolved to rule items in one query."""
    rules = list(case.related_rules.select_related("rule_set").order_by("rule_set__sort_order"))
    rules_by_pk = {rule.pk: rule for rule in rules}
    sections = []
    for block in case.body.raw_data:
        value = block["value"]
        section = {"type": block["type"], "label": SECTION_LABELS[block["type"]]}
        if block["type"] == "violations":
            section["clauses"] = [
                {
                    "rule": rules_by_pk.get(clause.get("value", clause)["rule"]),
                    "text": clause.get("value", clause)["text"],
                    "quote": clause.get("value", clause)["quote"],
                }
                for clause in value["clauses"]
            ]
        else:
            section["text"] = value["text"]
            section["quote"] = value.get("quote", "")
        sections.append(section)
    return {"sections": sections, "rules": rules}
