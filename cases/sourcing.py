"""Traceability: every stored quote must occur in the source text shipped under fixtures/sources/.

Whitespace is ignored when comparing (the texts were extracted from PDFs and web pages with arbitrary
line breaks); nothing else is loosened.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .shown_text import ChangedWording, comparable, differing_runs

WHITESPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    return WHITESPACE.sub("", text or "")


def sources_dir() -> Path:
    return Path(settings.FIXTURES_DIR) / "sources"


def read_source(file_name: str) -> str:
    return (sources_dir() / file_name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class StoredQuote:
    kind: str  # 规范条目 / 知识问答 / 案例 / 试题 …
    label: str  # what to show when the quote is not found
    source_file: str
    quote: str
    # The cleaned text shown for this quote, compared with it (cases.shown_text); for questions
    # instead the passages they present as the source's words (原文“…”), which may come from
    # anywhere in the source. `note` is the item's editor's note, which must explain a change.
    shown: str = ""
    passages: tuple[str, ...] = ()
    note: str = ""
    qa: bool = False  # a Q&A quote: its "答:" marker is not part of the shown answer


# Each app that stores quotes registers a function yielding its StoredQuotes (in AppConfig.ready).
QUOTE_PROVIDERS: list[Callable[[], Iterable[StoredQuote]]] = []
# Items that have no source document by design (questions imported from files) cannot be checked;
# each app registers a function returning (label, count) so that they are reported on their own.
UNSOURCED_COUNTERS: list[Callable[[], tuple[str, int]]] = []


def unsourced_counts() -> list[tuple[str, int]]:
    return [counter() for counter in UNSOURCED_COUNTERS]


@dataclass
class VerificationReport:
    counts: Counter = field(default_factory=Counter)
    missing: list[StoredQuote] = field(default_factory=list)
    coverage: dict[str, float] = field(default_factory=dict)
    changed: list[ChangedWording] = field(default_factory=list)  # shown ≠ quote beyond typos

    @property
    def unexplained(self) -> list[ChangedWording]:
        return [change for change in self.changed if not change.noted]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexplained


def verify_quotes(quotes: Iterable[StoredQuote]) -> VerificationReport:
    report = VerificationReport()
    squashed_sources: dict[str, str] = {}
    covered: dict[str, bytearray] = {}
    for stored in quotes:
        if stored.source_file not in squashed_sources:
            try:
                squashed_sources[stored.source_file] = squash(read_source(stored.source_file))
            except (FileNotFoundError, IsADirectoryError):
                squashed_sources[stored.source_file] = ""
            covered[stored.source_file] = bytearray(len(squashed_sources[stored.source_file]))
        needle = squash(stored.quote)
        haystack = squashed_sources[stored.source_file]
        position = haystack.find(needle) if needle else -1
        if position < 0:
            report.missing.append(stored)
            continue
        report.counts[stored.kind] += 1
        change = _changed_wording(stored, haystack)
        if change is not None:
            report.changed.append(change)
        # Mark every occurrence: some documents repeat whole passages (000 holds three versions).
        while position >= 0:
            covered[stored.source_file][position : position + len(needle)] = b"\x01" * len(needle)
            position = haystack.find(needle, position + 1)
    for path in sorted(sources_dir().glob("*.txt")):
        mask = covered.get(path.name)
        report.coverage[path.name] = (sum(mask) / len(mask)) if mask else 0.0
    return report


def _changed_wording(stored: StoredQuote, squashed_source: str) -> ChangedWording | None:
    """The item's shown text against its quote: None when it says what the quote says."""
    runs = differing_runs(stored.shown, stored.quote, qa=stored.qa) if stored.shown else []
    if stored.passages:
        quote, source = comparable(stored.quote, quote=True), comparable(squashed_source)
        for passage in stored.passages:
            text = comparable(passage)
            if text not in quote and text not in source:
                runs.append(f"原文引文「{passage}」在来源中找不到")
    if not runs:
        return None
    return ChangedWording(stored.kind, stored.label, runs, bool(stored.note.strip()))


def all_stored_quotes() -> Iterable[StoredQuote]:
    for provider in QUOTE_PROVIDERS:
        yield from provider()
