"""The editors' search in Wagtail's listings: every word of the query in one of the listed fields (text, code, source …), on any database."""

import json

from django.db.models import JSONField, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView

from .cjk import to_simplified

MAX_WORDS = 10
MAX_WORD = 100


def query_words(query: str) -> list[str]:
    """The words of an admin query: Simplified, NUL and spaces removed, at most MAX_WORDS."""
    text = to_simplified(str(query or "").replace("\x00", " "))
    return [word[:MAX_WORD] for word in text.split()][:MAX_WORDS]


def _is_json(model, path: str) -> bool:
    field = None
    for part in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001 - a lookup, not a field: not JSON
            return False
        model = getattr(field, "related_model", None) or model
    return isinstance(field, JSONField)


def words_search(queryset: QuerySet, fields: list[str], query: str) -> QuerySet:
    """Rows holding every word of `query` in one of `fields` (substrings, case-insensitive).
    A JSON field is compared as stored: SQLite keeps Chinese in it as \\u escapes."""
    for word in query_words(query):
        condition = Q()
        for path in fields:
            condition |= Q(**{f"{path}__icontains": word})
            if _is_json(queryset.model, path):
                escaped = json.dumps(word)[1:-1]
                if escaped != word:
                    condition |= Q(**{f"{path}__icontains": escaped})
        queryset = queryset.filter(condition)
    return queryset


class WordsSearchIndexView(SnippetIndexView):
    """A snippet listing whose search box uses words_search over the viewset's search_fields."""

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return words_search(queryset, list(self.search_fields or []), self.search_query)
