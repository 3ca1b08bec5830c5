"""How the site search finds and shows rules, Q&A items and cases (portal.search registers kinds; case-analysis materials can register theirs the same way)."""

import re

from portal.search.engine import SearchDocument
from portal.search.registry import SearchKind, register_kind
from portal.thesaurus.text import normalise_numbers

from .models import CasePage, QAItem, RuleItem, RuleSet

QUOTED = re.compile(r"[“\"「『]([^”\"」』]+)[”\"」』]")
BRACKETED = re.compile(r"[（(][^）)]*[）)]")
ISSUER = re.compile(r"^.*?(公司|局)")
ARTICLE = re.compile(r"第([0-9]+)[条题]")
QUOTE_MARKS = re.compile(r"[“”\"「」『』]")


def rule_set_names(name: str) -> tuple[str, ...]:
    """What staff call a rule set: its name, without brackets or issuer, and each quoted part
    (国家电网公司员工服务“十个不准” → 十个不准, 员工服务十个不准 …)."""
    plain = BRACKETED.sub("", QUOTE_MARKS.sub("", name)).strip()
    names = {name, plain, ISSUER.sub("", plain)}
    names.update(part for part in QUOTED.findall(name) if len(part) >= 2)
    return tuple(sorted(filter(None, names), key=len, reverse=True))


def article_numbers(rule: RuleItem) -> frozenset[int]:
    """The numbers a clause query may use for the item: 第四条 → 4; a key that is a number."""
    numbers = {int(found) for found in ARTICLE.findall(normalise_numbers(rule.number or ""))}
    if rule.key.isdigit():
        numbers.add(int(rule.key))
    if not numbers and (rule.number or "").isdigit():
        numbers.add(int(rule.number))
    return frozenset(numbers)


def rule_documents():
    rules = RuleItem.objects.select_related("rule_set").order_by(
        "rule_set__sort_order", "rule_set__code", "sort_order", "pk"
    )
    names: dict[int, tuple[str, ...]] = {}
    for position, rule in enumerate(rules):
        rule_set = rule.rule_set
        if rule_set.pk not in names:
            names[rule_set.pk] = rule_set_names(rule_set.name)
        number = f"{rule.number} " if rule.number else ""
        yield SearchDocument(
            kind="rules",
            key=rule.reference,
            title=f"{rule_set.name} {number}{rule.title}",
            body=rule.text,
            url=rule.get_absolute_url(),
            sort=(0, position),
            collection=f"rules:{rule_set.code}",
            collection_names=names[rule_set.pk],
            clauses=article_numbers(rule),
        )


def qa_documents():
    for position, item in enumerate(QAItem.objects.order_by("sort_order", "code")):
        yield SearchDocument(
            kind="qa",
            key=item.code,
            title=item.question,
            body=item.answer,
            url=item.get_absolute_url(),
            sort=(1, position),
        )


def case_documents():
    for position, case in enumerate(CasePage.objects.live().order_by("path")):
        yield SearchDocument(
            kind="cases",
            key=str(case.pk),
            title=case.title,
            body=case.search_text,
            url=case.url or "",
            sort=(2, position),
        )


def register_search_kinds() -> None:
    register_kind(
        SearchKind(
            key="rules",
            label="服务规范",
            documents=rule_documents,
            models=(RuleItem, RuleSet),
        )
    )
    register_kind(
        SearchKind(
            key="qa", label="知识问答", documents=qa_documents, models=(QAItem,), answers=True
        )
    )
    register_kind(
        SearchKind(key="cases", label="典型案例", documents=case_documents, models=(CasePage,))
    )
