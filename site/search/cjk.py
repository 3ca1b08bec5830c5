"""Chinese-aware search text for Wagtail's database search backend (the admin's search).

Wagtail's database backends (SQLite FTS5 `unicode61`, PostgreSQL `simple`) make one token of every run
of Chinese characters, so 停电 would not find 客户来电投诉停电时. We index, next to the normal
fields, a field of jieba's search-mode words plus overlapping character bigrams (as Lucene's
CJKAnalyzer does), and turn a query into the bigrams of its Chinese runs: any phrase of two or more
characters then matches wherever it occurs. Traditional characters are converted to Simplified on
both sides with OpenCC, so 投訴 finds 投诉.
"""

import functools
import re

import jieba
from opencc import OpenCC

jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[0-9A-Za-z]+")


@functools.cache
def _converter() -> OpenCC:
    return OpenCC("t2s")


@functools.cache
def _conversion_triggers() -> tuple[frozenset[str], tuple[str, ...]] | None:
    """What makes OpenCC change a text: the characters it converts, and the phrases it converts
    that hold none of those characters. A text with neither converts to itself, so the slow
    pure-Python conversion (the costliest step of grading a paper) is skipped for it. None if
    the pinned library (0.1.7) keeps its tables elsewhere: then every text is converted."""
    converter = _converter()
    converter.convert("")  # loads the dictionaries
    try:
        pairs = [
            (key, value)
            for group in converter._dict_chain_data
            for entry in group
            for key, value in entry[2].items()
            if key != value
        ]
    except (AttributeError, IndexError, TypeError):
        return None
    characters = frozenset(key for key, _ in pairs if len(key) == 1)
    phrases = tuple(key for key, _ in pairs if len(key) > 1 and characters.isdisjoint(key))
    return characters, phrases


def to_simplified(text: str) -> str:
    text = text or ""
    triggers = _conversion_triggers()
    if triggers is not None:
        characters, phrases = triggers
        if characters.isdisjoint(text) and not any(phrase in text for phrase in phrases):
            return text
    return _converter().convert(text)


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> str:
    """Space-separated tokens to store in a search field."""
    text = to_simplified(text)
    tokens: list[str] = []
    for run in CJK_RUN.findall(text):
        tokens.extend(word for word in jieba.cut_for_search(run) if len(word) > 1)
        tokens.extend(_bigrams(run))
        tokens.extend(run)  # single characters, so a one-character query still finds something
    tokens.extend(word.lower() for word in WORD.findall(text))
    return " ".join(tokens)


def query_tokens(query: str) -> list[str]:
    """The bigrams of the query's Chinese runs and its words (what index_tokens stored)."""
    tokens: list[str] = []
    for run in CJK_RUN.findall(query):
        tokens.extend(_bigrams(run))
    tokens.extend(word.lower() for word in WORD.findall(query))
    return list(dict.fromkeys(tokens))
