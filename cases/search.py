"""How the site search finds and shows rules, Q&A items and cases."""

from portal.search.selectors import SEARCH_KINDS, SearchKind

from .models import CasePage, QAItem, RuleItem


def register_search_kinds() -> None:
    if any(kind.key == "rules" for kind in SEARCH_KINDS):
        return
    SEARCH_KINDS.extend(
        [
            SearchKind(
                key="rules",
                label="服务规范",
                queryset=lambda: RuleItem.objects.select_related("rule_set"),
                title=lambda rule: f"{rule.rule_set.name} {rule.number} {rule.title}",
                text=lambda rule: rule.text,
                url=lambda rule: rule.get_absolute_url(),
            ),
            SearchKind(
                key="qa",
                label="知识问答",
                queryset=lambda: QAItem.objects.all(),
                title=lambda item: item.question,
                text=lambda item: item.answer,
                url=lambda item: item.get_absolute_url(),
            ),
            SearchKind(
                key="cases",
                label="典型案例",
                queryset=lambda: CasePage.objects.live(),
                title=lambda case: case.title,
                text=lambda case: case.search_text,
                url=lambda case: case.url,
            ),
        ]
    )
