"""The knowledge base's stored quotes, for `verify_sources` (registered in CasesConfig.ready)."""

from collections.abc import Iterable

from .models import CasePage, QAItem, RuleItem, RuleSet
from .sourcing import StoredQuote


def knowledge_quotes() -> Iterable[StoredQuote]:
    for rule_set in RuleSet.objects.select_related("source").exclude(quote=""):
        yield StoredQuote("规范", rule_set.code, rule_set.source.file_name, rule_set.quote)
    for rule in RuleItem.objects.select_related("rule_set", "source"):
        yield StoredQuote(
            "规范条目",
            rule.reference,
            rule.source.file_name,
            rule.quote,
            shown=rule.text,
            note=rule.note,
        )
    for item in QAItem.objects.select_related("source"):
        yield StoredQuote(
            "知识问答",
            item.code,
            item.source.file_name,
            item.quote,
            shown=item.question + item.answer,
            note=item.note,
            qa=True,
        )
    for case in CasePage.objects.select_related("source"):
        yield from _case_quotes(case)


def _case_quotes(case: CasePage) -> Iterable[StoredQuote]:
    """Each section and each violated clause: its text against its quote; the case's editor's
    note explains a change in any of them."""
    file_name = case.source.file_name
    for block in case.body.raw_data:
        value = block["value"]
        label = f"{case.slug} · {block['type']}"
        if block["type"] == "violations":
            for clause in value["clauses"]:
                clause_value = clause.get("value", clause)
                yield StoredQuote(
                    "案例违规条款",
                    label,
                    file_name,
                    clause_value["quote"],
                    shown=clause_value.get("text", ""),
                    note=case.note,
                )
        elif value.get("quote"):
            yield StoredQuote(
                "案例段落",
                label,
                file_name,
                value["quote"],
                shown=value.get("text", ""),
                note=case.note,
            )
