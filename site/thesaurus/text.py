"""Text made comparable for grading and search: width, case, Simplified Chinese, units and numerals
read alike (三十五千伏 = 35kV, 半年 = 6个月, 三 = 3), and thesaurus terms mapped to their group's
first term. Pure functions; the thesaurus is an object built from the database by selectors."""

import contextlib
import re
import unicodedata
import warnings
from collections.abc import Iterable
from functools import cached_property

import cn2an

from portal.search.cjk import to_simplified

PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
SENTENCE_END = re.compile(r"[。；;！!？?\n\r]+")
SEGMENT_END = re.compile(r"[，,、：:]+")
# Units first (千 in 千伏 is not a numeral), then phrases that name a number of days or minutes.
UNITS = [
    ("千伏安", "kva"),
    ("千伏", "kv"),
    ("千瓦时", "kwh"),
    ("千瓦", "kw"),
    ("千乏", "kvar"),
    ("兆瓦", "mw"),
]
QUANTITIES = [
    ("半个月", "15天"),
    ("半年", "6个月"),
    ("半小时", "30分钟"),
    ("一刻钟", "15分钟"),
    ("一个星期", "7天"),
    ("一星期", "7天"),
    ("一周", "7天"),
    ("两周", "14天"),
    ("一昼夜", "24小时"),
    ("一季度", "3个月"),
    ("每季度", "每3个月"),
]
# Function words written in several ways for the same meaning ("三声之内" = "三声以内" = "三声内").
FUNCTION_WORDS = [("之内", "内"), ("以内", "内"), ("之前", "前"), ("之后", "后"), ("以后", "后")]
TWO = re.compile(r"两(?=[个次声天年月日周名人户台条项位倍])")
MINUTE_WORD = re.compile(r"(\d+)分(?!钟)")  # "30分内" → 30分钟


def normalise_numbers(text: str) -> str:
    """Units, quantities and numerals written one way (三十五千伏 → 35kv, 半年 → 6个月, 三 → 3),
    in Simplified Chinese; width, case and punctuation are left to the caller."""
    text = to_simplified(text)
    for written, unit in UNITS:
        text = text.replace(written, unit)
    for phrase, amount in QUANTITIES + FUNCTION_WORDS:
        text = text.replace(phrase, amount)
    text = TWO.sub("2", text)
    # cn2an warns on runs it leaves as they are; a run it cannot read stays in words, on both
    # sides alike.
    with warnings.catch_warnings(), contextlib.suppress(ValueError, KeyError, IndexError):
        warnings.simplefilter("ignore")
        text = cn2an.transform(text, "cn2an")
    # A percent sign is part of the number (7% is not 7): kept as letters through punctuation removal.
    text = text.replace("%", "pct").replace("％", "pct")
    return MINUTE_WORD.sub(r"\1分钟", text)


def normalise(text: str) -> str:
    """The comparable form of a text: width, case, Simplified, units, numerals, no punctuation."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    return PUNCTUATION.sub("", normalise_numbers(text))


class Thesaurus:
    """Synonym groups: every term maps to its group's first term (after normalising)."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()):
        self.canonical_of: dict[str, str] = {}
        for group in groups:
            terms = [normalise(term) for term in group]
            terms = [term for term in terms if term]
            if len(terms) < 2:
                continue
            for term in terms:
                self.canonical_of.setdefault(term, terms[0])

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        terms = sorted(
            (term for term, canonical in self.canonical_of.items() if term != canonical),
            key=len,
            reverse=True,
        )
        return re.compile("|".join(map(re.escape, terms))) if terms else None

    def canonical(self, normalised: str) -> str:
        """Replace every thesaurus term (longest first) by its group's first term."""
        if self._pattern is None:
            return normalised
        return self._pattern.sub(lambda match: self.canonical_of[match.group(0)], normalised)

    def comparable(self, text: str) -> str:
        return self.canonical(normalise(text))


NO_THESAURUS = Thesaurus()
