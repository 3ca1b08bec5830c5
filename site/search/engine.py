"""The ranking engine: an in-memory index of the search documents, BM25 with field weights, in plain Python."""

# The site search covers a few hundred knowledge items, so each process holds the whole index in
# memory (built by selectors.current_index from the registered kinds): the same ranking on SQLite
# and PostgreSQL, a few milliseconds a query, and the question bank plays no part in it.

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba

from portal.thesaurus.text import NO_THESAURUS, Thesaurus

from .analysis import CJK_RUN, clause_number, prepare, query_core, query_terms, terms, units

FIELD_WEIGHTS = {"title": 3.0, "body": 1.0}  # a title or question says more than body text
K1, B = 1.2, 0.75
PHRASE_BONUS = {"title": 2.0, "body": 1.0}  # per unit of a query phrase found as it was typed
LOOSE_SHARE = 0.6
COORDINATION = 0.3  # a text holding more of the query counts more (Lucene's coord)
SHORT_QUERY = 3  # a query of at most this many characters also looks for each one alone  # the looser pass: share of the query's characters a text must hold


@dataclass
class SearchDocument:
    """One searchable item as a kind describes it."""

    kind: str
    key: str
    title: str
    body: str  # what the item's page shows besides its title
    url: str
    sort: tuple = ()
    collection: str = ""  # items of one collection (a rule set) can be listed in their order
    collection_names: tuple[str, ...] = ()  # what people call the collection (十个不准)
    clauses: frozenset[int] = frozenset()  # the article numbers the item answers to (第4条)
    prepared: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class Query:
    text: str
    prepared: str = ""
    phrases: list[str] = field(default_factory=list)
    weights: Counter = field(default_factory=Counter)  # term → times asked
    collection: str = ""  # the rule set the query names, if any
    rest: str = ""  # what the query says besides the collection's name
    clause: int | None = None


@dataclass
class Scored:
    document: SearchDocument
    score: float
    title_share: float = 0.0  # share of the query's weight the title holds


class Index:
    def __init__(self, documents: Iterable[SearchDocument], thesaurus: Thesaurus = NO_THESAURUS):
        self.thesaurus = thesaurus
        self.documents = list(documents)
        self.postings: dict[str, dict[str, list[tuple[int, int]]]] = {
            name: defaultdict(list) for name in FIELD_WEIGHTS
        }
        self.norms: dict[str, list[float]] = {name: [] for name in FIELD_WEIGHTS}
        lengths: dict[str, list[int]] = {name: [] for name in FIELD_WEIGHTS}
        holders: dict[str, set[int]] = defaultdict(set)
        for number, document in enumerate(self.documents):
            for name in FIELD_WEIGHTS:
                prepared = prepare(getattr(document, name), thesaurus)
                document.prepared[name] = prepared.replace(" ", "")
                counts = Counter(terms(prepared))
                lengths[name].append(sum(counts.values()))
                for term, times in counts.items():
                    self.postings[name][term].append((number, times))
                    holders[term].add(number)
        for name in FIELD_WEIGHTS:
            average = (sum(lengths[name]) / len(lengths[name])) if lengths[name] else 1.0
            self.norms[name] = [K1 * (1 - B + B * size / (average or 1)) for size in lengths[name]]
        total = len(self.documents)
        self.idf = {
            term: math.log(1 + (total - len(numbers) + 0.5) / (len(numbers) + 0.5))
            for term, numbers in holders.items()
        }
        self.collections = self._collections()

    def _collections(self) -> dict[str, tuple[list[str], list[SearchDocument]]]:
        """Collection key → (its names as prepared text, longest first; its items in order)."""
        found: dict[str, tuple[list[str], list[SearchDocument]]] = {}
        for document in sorted(self.documents, key=lambda d: d.sort):
            if not document.collection:
                continue
            if document.collection not in found:
                names = {
                    prepare(name, self.thesaurus).replace(" ", "")
                    for name in document.collection_names
                }
                found[document.collection] = (
                    sorted(filter(None, names), key=len, reverse=True),
                    [],
                )
            found[document.collection][1].append(document)
        return found

    # Queries ----------------------------------------------------------------------------------

    def analyse(self, text: str) -> Query:
        query = Query(text=text, prepared=prepare(text, self.thesaurus))
        spaced, query.clause = clause_number(query.prepared)
        spaced = spaced.replace(" ", "")
        named = [
            (len(name), key, name)
            for key, (names, _) in self.collections.items()
            for name in names
            if len(units(name)) >= 2 and name in spaced
        ]
        if named:
            _, query.collection, name = max(named)
            spaced = spaced.replace(name, " ")
        if not query.collection and query.clause is not None:
            spaced = query.prepared  # "第4条" alone is just text
            query.clause = None
        query.rest = "".join(query_core(spaced)) if query.collection else ""
        query.phrases = query_core(query.prepared)
        short = sum(len(units(phrase)) for phrase in query.phrases) <= SHORT_QUERY
        for phrase in query.phrases:
            query.weights.update(query_terms(phrase, singles=short or len(units(phrase)) == 1))
        return query

    def rank(self, query: Query) -> list[Scored]:
        """Every item holding at least one of the query's terms, best first."""
        scores: dict[int, float] = defaultdict(float)
        title_weight: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        asked = 0.0
        for term, times in query.weights.items():
            idf = self.idf.get(term)
            weight = (idf or 0.0) * (1 + 0.5 * (len(term) - 1)) * times
            asked += weight
            if idf is None:
                continue
            holders = set()
            for name, boost in FIELD_WEIGHTS.items():
                norms = self.norms[name]
                for number, tf in self.postings[name].get(term, ()):
                    scores[number] += boost * weight * tf * (K1 + 1) / (tf + norms[number])
                    holders.add(number)
                    if name == "title":
                        title_weight[number] += weight
            for number in holders:
                matched[number] += weight
        for number in scores:
            if asked:
                scores[number] *= COORDINATION + (1 - COORDINATION) * matched[number] / asked
            document = self.documents[number]
            for phrase in query.phrases:
                if len(units(phrase)) < 2:
                    continue
                for name, bonus in PHRASE_BONUS.items():
                    if phrase in document.prepared[name]:
                        scores[number] += bonus * len(phrase)
                        break
        ranked = sorted(scores, key=lambda n: (-scores[n], self.documents[n].sort))
        return [
            Scored(self.documents[n], scores[n], title_weight[n] / asked if asked else 0.0)
            for n in ranked
        ]

    def rank_loosely(self, query: Query) -> list[Scored]:
        """The looser pass for a query that found nothing: single characters, an item holding
        most of the query's characters."""
        wanted = {
            char for phrase in query.phrases for char in CJK_RUN.findall(phrase) for char in char
        }
        wanted |= {unit for phrase in query.phrases for unit in units(phrase) if len(unit) > 1}
        if not wanted:
            return []
        needed = max(2 if len(wanted) > 1 else 1, math.ceil(LOOSE_SHARE * len(wanted)))
        found = []
        for document in self.documents:
            text = document.prepared["title"] + document.prepared["body"]
            held = [unit for unit in wanted if unit in text]
            if len(held) >= needed:
                score = sum(self.idf.get(unit, 0.0) for unit in held)
                score += sum(
                    self.idf.get(unit, 0.0) for unit in held if unit in document.prepared["title"]
                )
                found.append(Scored(document, score))
        found.sort(key=lambda scored: (-scored.score, scored.document.sort))
        return found

    def collection_items(self, key: str) -> list[SearchDocument]:
        return list(self.collections.get(key, ((), []))[1])

    def vocabulary_near(self, query: Query, limit: int = 8) -> list[str]:
        """Words of the titles that share the most characters with the query (for suggestions)."""
        wanted = set("".join(query.phrases))
        if not wanted:
            return []
        counted: Counter = Counter()
        for document in self.documents:
            for word in CJK_RUN.findall(document.title):
                for piece in _words(word):
                    shared = len(wanted & set(piece))
                    if shared:
                        counted[piece] = max(counted[piece], shared)
        return [word for word, _ in counted.most_common(limit)]


def _words(run: str) -> list[str]:
    return [word for word in jieba.cut(run) if len(word) >= 2]
