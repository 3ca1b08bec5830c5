"""Site search over the registered kinds (rules, Q&A, cases …): the per-process index and the results page's content."""

# The index is built from the database on a process's first search and again whenever the version
# in the shared cache (versions.py, bumped when a searched item is saved or deleted) or the
# thesaurus's version changes; a search itself reads nothing from the database.

import threading
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from portal.thesaurus import selectors as thesaurus_selectors
from portal.thesaurus.models import ThesaurusGroup

from . import versions
from .cjk import CJK_RUN, to_simplified
from .engine import Index, Query, Scored, SearchDocument
from .highlight import excerpt, marks_for
from .registry import SEARCH_KINDS, SearchKind, answering_kinds

MAX_QUERY_LENGTH = 100
PER_KIND = 20  # results shown per kind on the page (the rest: 查看全部)
CARD_TITLE_SHARE = 0.6  # a Q&A question holding this share of the query gets the answer card
RELATIVE_FLOOR = 0.15  # results scoring under this share of the best one are left out
DEFAULT_SUGGESTIONS = [
    "十个不准",
    "首问负责制",
    "四声服务",
    "95598",
    "投诉",
    "抢修",
    "停电通知",
    "电能表",
    "供电方案",
    "窃电",
]

_lock = threading.Lock()
_built: dict[str, object] = {}


def current_index() -> Index:
    """This process's index, rebuilt when an item or the thesaurus changed."""
    stamp = (
        versions.version(),
        thesaurus_selectors.version(),
        tuple(kind.key for kind in SEARCH_KINDS),
    )
    if _built.get("stamp") != stamp:
        with _lock:
            if _built.get("stamp") != stamp:
                thesaurus = thesaurus_selectors.current_thesaurus(use=ThesaurusGroup.Use.SEARCH)
                documents: list[SearchDocument] = []
                for kind in SEARCH_KINDS:
                    documents.extend(kind.documents())
                _built["index"] = Index(documents, thesaurus)
                _built["stamp"] = stamp
    return _built["index"]  # type: ignore[return-value]


def normalise_query(raw: str) -> str:
    """The query as the user meant it: Simplified, no control characters, trimmed, at most
    MAX_QUERY_LENGTH characters."""
    text = "".join(char if char.isprintable() else " " for char in str(raw or ""))
    return to_simplified(" ".join(text.split()))[:MAX_QUERY_LENGTH]


@dataclass
class Hit:
    title: SafeString
    excerpt: SafeString
    url: str
    kind: str = ""


@dataclass
class ResultGroup:
    kind: SearchKind
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    ordered: bool = False  # in the rule set's own order (the query named the set)


@dataclass
class AnswerCard:
    title: SafeString
    answer: SafeString
    url: str
    label: str = "直接回答"


@dataclass
class SearchPage:
    query: str = ""
    groups: list[ResultGroup] = field(default_factory=list)
    card: AnswerCard | None = None
    clauses: list[Hit] = field(default_factory=list)  # the clause a query named (十个不准第四条)
    loose: bool = False  # nothing matched as asked; these are the looser pass's results
    suggestions: list[str] = field(default_factory=list)
    searched: bool = False  # the query held something to search for

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    def links(self) -> list[str]:
        """The result links in the order the page shows them, each once."""
        urls = [self.card.url] if self.card else []
        urls += [hit.url for hit in self.clauses]
        urls += [hit.url for group in self.groups for hit in group.hits]
        return list(dict.fromkeys(urls))


def site_search(query: str, *, kind: str = "", per_kind: int = PER_KIND) -> SearchPage:
    """The results page for a normalised query (normalise_query); `kind` shows all of one kind."""
    page = SearchPage(query=query)
    index = current_index()
    analysed = index.analyse(query)
    if not analysed.weights:
        page.suggestions = DEFAULT_SUGGESTIONS
        return page
    page.searched = True
    marks = marks_for(query, index.thesaurus)
    ranked = index.rank(analysed)
    if ranked:
        ranked = [s for s in ranked if s.score >= RELATIVE_FLOOR * ranked[0].score]
    else:
        ranked = index.rank_loosely(analysed)
        page.loose = bool(ranked)
    if not ranked:
        page.suggestions = index.vocabulary_near(analysed) or DEFAULT_SUGGESTIONS
        return page
    ordered = _named_collection(index, analysed)
    page.clauses = _clauses(index, analysed, marks)
    page.groups = _groups(ranked, ordered, marks, kind=kind, per_kind=per_kind)
    if not page.clauses and not page.loose:
        page.card = _answer_card(ranked[0], marks)
    return page


def _named_collection(index: Index, query: Query) -> list[SearchDocument]:
    """The items of the rule set a query names and nothing else (十个不准), in their order."""
    if query.collection and not query.rest and query.clause is None:
        return index.collection_items(query.collection)
    return []


def _clauses(index: Index, query: Query, marks: list[str]) -> list[Hit]:
    if not query.collection or query.clause is None:
        return []
    items = [d for d in index.collection_items(query.collection) if query.clause in d.clauses]
    return [_hit(document, marks, width=None) for document in items]


def _groups(
    ranked: list[Scored],
    ordered: list[SearchDocument],
    marks: list[str],
    *,
    kind: str,
    per_kind: int,
) -> list[ResultGroup]:
    by_kind: dict[str, list[SearchDocument]] = {}
    best: dict[str, float] = {}
    for scored in ranked:
        by_kind.setdefault(scored.document.kind, []).append(scored.document)
        best.setdefault(scored.document.kind, scored.score)
    named_kind = ordered[0].kind if ordered else ""
    if ordered:
        by_kind[named_kind] = ordered + [d for d in by_kind.get(named_kind, []) if d not in ordered]
        best[named_kind] = max(best.values()) + 1
    groups = []
    for search_kind in sorted(
        (k for k in SEARCH_KINDS if k.key in by_kind), key=lambda k: -best[k.key]
    ):
        if kind and search_kind.key != kind:
            continue
        documents = by_kind[search_kind.key]
        shown = documents if kind else documents[:per_kind]
        groups.append(
            ResultGroup(
                kind=search_kind,
                hits=[_hit(document, marks) for document in shown],
                total=len(documents),
                ordered=search_kind.key == named_kind,
            )
        )
    return groups


def _hit(document: SearchDocument, marks: list[str], *, width: int | None = 90) -> Hit:
    return Hit(
        title=excerpt(document.title, marks, width=None),
        excerpt=excerpt(document.body, marks, width=width),
        url=document.url,
        kind=document.kind,
    )


def _answer_card(best: Scored, marks: list[str]) -> AnswerCard | None:
    """The answer itself on top when the best result is a Q&A item whose question matches the
    query closely."""
    if best.document.kind not in answering_kinds() or best.title_share < CARD_TITLE_SHARE:
        return None
    lines = [line for line in best.document.body.splitlines() if line.strip()][:3]
    return AnswerCard(
        title=excerpt(best.document.title, marks, width=None),
        answer=excerpt("\n".join(lines), marks, width=160),
        url=best.document.url,
    )


def has_search_text(query: str) -> bool:
    """Does the (normalised) query hold any Chinese, digit or letter to search for?"""
    return bool(CJK_RUN.search(query) or any(char.isalnum() for char in query))
