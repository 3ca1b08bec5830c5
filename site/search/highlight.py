"""Show where a query matched: the passage of a text that holds the most of it, the matches marked."""

import re
import weakref

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.thesaurus.text import Thesaurus

from .analysis import CJK_RUN, QUESTION_PATTERN, WORDISH, prepare
from .cjk import to_simplified

SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_groups: "weakref.WeakKeyDictionary[Thesaurus, dict[str, list[str]]]" = weakref.WeakKeyDictionary()


def _members(thesaurus: Thesaurus) -> dict[str, list[str]]:
    """Each group's first term → every term of the group (built once per thesaurus)."""
    if thesaurus not in _groups:
        members: dict[str, list[str]] = {}
        for term, canonical in thesaurus.canonical_of.items():
            members.setdefault(canonical, []).append(term)
        _groups[thesaurus] = members
    return _groups[thesaurus]


def marks_for(query: str, thesaurus: Thesaurus) -> list[str]:
    """What to mark in shown text: the query's words as typed (question words left out), their
    two-character pieces, and the other terms of each thesaurus group the query uses."""
    text = to_simplified(query or "").lower()
    found: set[str] = set()
    for chunk in WORDISH.findall(QUESTION_PATTERN.sub(" ", text)):
        found.add(chunk)
        for run in CJK_RUN.findall(chunk):
            found.update(run[i : i + 2] for i in range(len(run) - 1))
    prepared = prepare(text, thesaurus).replace(" ", "")
    for canonical, group in _members(thesaurus).items():
        if canonical in prepared:
            found.update(group)
    return sorted(
        (mark for mark in found if len(mark) > 1 or not CJK_RUN.fullmatch(mark)),
        key=len,
        reverse=True,
    )


def excerpt(text: str, terms: list[str], width: int | None = 90) -> SafeString:
    """The passage of `text` (all of it if width is None) that holds the most different marks,
    with the marks in <mark>."""
    text = " ".join((text or "").split())
    width = width or len(text) + 1
    terms = [term for term in terms if term]
    if not terms:
        return _window(text, 0, width, None)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    matches = list(pattern.finditer(text))
    start = 0
    if matches and len(text) > width:
        start = _best_start(text, matches, width)
    return _window(text, start, width, pattern)


def _best_start(text: str, matches: list[re.Match], width: int) -> int:
    """Where the window holding the most different marks starts, at a sentence start if one is
    near."""
    best, best_count = 0, -1
    for first in matches:
        start = max(0, first.start() - width // 4)
        sentence = max(
            (m.end() for m in SENTENCE_END.finditer(text, start, first.start())), default=None
        )
        if sentence is not None:
            start = sentence
        seen = {
            m.group(0).lower() for m in matches if start <= m.start() and m.end() <= start + width
        }
        count = sum(len(mark) for mark in seen)
        if count > best_count:
            best, best_count = start, count
    return best


def _window(text: str, start: int, width: int, pattern: re.Pattern | None) -> SafeString:
    window = text[start : start + width]
    if pattern is not None:
        window = pattern.sub(lambda match: f"\0{match.group(0)}\1", window)
    html = escape(window).replace("\0", "<mark>").replace("\1", "</mark>")
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + html + suffix)  # noqa: S308 - built from escaped text only
