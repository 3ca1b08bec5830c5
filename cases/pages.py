"""What the case pages show: the index's filtered listing and a case's parts. Called from the
pages' get_context with the page's own querysets, so this module imports no model (the models
import it)."""

from django.db.models import QuerySet

from .blocks import SECTION_LABELS
from .choices import CaseKind, Category, valid_category


def case_listing(*, cases: QuerySet, kind: str = "", category: str = "") -> dict:
    """The case index: the live cases (`cases`) filtered by kind and category."""
    kind = kind if kind in CaseKind.values else ""
    category = valid_category(category)
    cases = cases.order_by("path")
    if kind:
        cases = cases.filter(kind=kind)
    if category:
        cases = cases.filter(category=category)
    return {
        "cases": list(cases),
        "kinds": CaseKind.choices,
        "categories": Category.choices,
        "selected_kind": kind,
        "selected_category": category,
    }


def case_sections(case) -> dict:
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
