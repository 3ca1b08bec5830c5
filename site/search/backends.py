"""Wagtail's database search backend, with queries analysed as our index stores Chinese (the admin's page search and choosers)."""

import re

from wagtail.search.backends.database import SearchBackend as DatabaseSearchBackend
from wagtail.search.query import MATCH_NONE, And, Not, Or, Phrase, PlainText

from .cjk import CJK_RUN, query_tokens, to_simplified

MAX_ADMIN_QUERY = 100


class ChineseQueries:
    """Mixed into the database backend of the current connection (SQLite FTS5, PostgreSQL …).

    The index holds, for each model with a `search_tokens` field, jieba words and character
    bigrams of its text (cjk.index_tokens); FTS5's unicode61 and PostgreSQL's `simple` would
    otherwise make one token of a whole run of Chinese. A query with Chinese in it becomes "all
    of its bigrams" or the query as typed (for titles of models without search_tokens), over
    every indexed field: `fields` are dropped, since SQLite's index has no column per field."""

    def search(self, query, model_or_queryset, fields=None, operator=None, order_by_relevance=True):
        query = _plain(query)
        analysed = _analyse(query)
        if analysed is not None:
            query, fields, operator = analysed, None, None
        return super().search(query, model_or_queryset, fields, operator, order_by_relevance)

    def autocomplete(
        self, query, model_or_queryset, fields=None, operator=None, order_by_relevance=True
    ):
        query = _plain(query)
        analysed = _analyse(query)
        if analysed is not None:  # any part of a title or body, not only a title's beginning
            return super().search(analysed, model_or_queryset, None, None, order_by_relevance)
        if query is MATCH_NONE:
            return super().search(query, model_or_queryset, None, None, order_by_relevance)
        return super().autocomplete(query, model_or_queryset, fields, operator, order_by_relevance)


# Quotes, stars, brackets and upper-case operator words are query syntax to SQLite's FTS5 and
# PostgreSQL's tsquery; typed into an admin search box they are only text.
_SYNTAX = re.compile(r"[^\w\s]")


def _plain(query):
    """The query without syntax characters; nothing to match when only syntax was typed."""
    if isinstance(query, str):
        text = " ".join(_SYNTAX.sub(" ", query).lower().split())[: MAX_ADMIN_QUERY * 2]
        return text or MATCH_NONE
    if isinstance(query, PlainText | Phrase):
        text = _plain(query.query_string)
        return text if text is MATCH_NONE else type(query)(text)
    return query


def _analyse(query):
    """The query with each piece of Chinese in it analysed, or None when it holds none. The
    admin's page search parses the typed text into PlainText / Phrase objects first."""
    if isinstance(query, And | Or):
        parts = [_analyse(part) for part in query.subqueries]
        if all(part is None for part in parts):
            return None
        return type(query)([new or old for new, old in zip(parts, query.subqueries, strict=True)])
    if isinstance(query, Not):
        part = _analyse(query.subquery)
        return None if part is None else Not(part)
    if isinstance(query, PlainText | Phrase):
        return _analyse_text(query.query_string)
    if isinstance(query, str):
        return _analyse_text(query)
    return None


def _analyse_text(query: str):
    text = to_simplified(" ".join(query.replace("\x00", " ").split()))[:MAX_ADMIN_QUERY]
    if not CJK_RUN.search(text):
        return None
    tokens = query_tokens(text)
    return Or([PlainText(" ".join(tokens), operator="and"), PlainText(text, operator="and")])


_classes: dict[type, type] = {}


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks up in a backend module
    """The database backend Wagtail would pick for this connection, with ChineseQueries."""
    backend = DatabaseSearchBackend(params)
    base = type(backend)
    if base not in _classes:
        _classes[base] = type(f"Chinese{base.__name__}", (ChineseQueries, base), {})
    backend.__class__ = _classes[base]
    return backend
