"""Site search over rules, Q&A and cases (and, once they register, questions).

Each searchable kind registers how to search it and how to show a hit, so the view stays generic.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from wagtail.search.backends import get_search_backend

from .cjk import CJK_RUN, highlight_terms, query_tokens
from .highlight import excerpt


@dataclass(frozen=True)
class SearchKind:
    key: str
    label: str
    queryset: Callable  # () -> an indexed QuerySet
    title: Callable  # obj -> str
    text: Callable  # obj -> str shown in the excerpt
    url: Callable  # obj -> str


SEARCH_KINDS: list[SearchKind] = []


@dataclass
class Hit:
    title: object
    excerpt: object
    url: str


@dataclass
class ResultGroup:
    kind: SearchKind
    hits: list[Hit] = field(default_factory=list)
    total: int = 0


def marks_for(query: str) -> list[str]:
    terms = highlight_terms(query)
    # Where the whole phrase does not occur, its two-character pieces still show why it matched.
    terms += [token for token in query_tokens(query) if CJK_RUN.fullmatch(token)]
    return sorted(set(terms), key=len, reverse=True)


def site_search(query: str, *, per_kind: int = 20) -> list[ResultGroup]:
    tokens = query_tokens(query)
    if not tokens:
        return []
    search_text = " ".join(tokens)
    backend = get_search_backend()
    marks = marks_for(query)
    groups = []
    for kind in SEARCH_KINDS:
        results = backend.search(search_text, kind.queryset(), operator="and")
        page = list(results[:per_kind])
        group = ResultGroup(
            kind=kind, total=results.count() if len(page) == per_kind else len(page)
        )
        for obj in page:
            group.hits.append(
                Hit(
                    title=excerpt(kind.title(obj), marks, width=None),
                    excerpt=excerpt(kind.text(obj), marks),
                    url=kind.url(obj),
                )
            )
        groups.append(group)
    return groups
