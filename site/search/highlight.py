"""Show where a query matched: a short excerpt of the text with the matches marked."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def excerpt(text: str, terms: list[str], width: int | None = 90) -> SafeString:
    """An excerpt of `text` around the first match (all of it if width is None), matches marked."""
    text = " ".join((text or "").split())
    width = width or len(text) + 1
    terms = [term for term in terms if term]
    if not terms:
        return escape(text[:width])
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - width // 3) if first and first.end() > width else 0
    window = text[start : start + width]
    marked = pattern.sub(lambda match: f"\0{match.group(0)}\1", window)
    html = escape(marked).replace("\0", "<mark>").replace("\1", "</mark>")
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + html + suffix)  # noqa: S308 - built from escaped text only
