"""Does every shown text say what its quote says? The check behind `verify_sources`' list of
changed wording: a shown text may differ from its verbatim quote by layout, punctuation, script,
page-number noise and the typo fixes of fixtures/knowledge/typo_fixes.yaml; any other
difference — a word replaced, added or dropped inside — must be explained by an editor's note.

Both sides are normalised alike: Traditional → Simplified; in the quote, pinyin annotations left
by the extraction of 001 ("(quán)") removed; stray page numbers (" 26 "), "21、" noise and
leading list numbering ("(1)", "一、", "第十九条") removed; in the quote, typo fixes applied and a
Q&A's "答:" marker dropped; then every whitespace and punctuation character removed. The shown
text is fine when it equals the quote or is a contiguous part of it (it leaves out a beginning
or an end)."""

import functools
import re
import string
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import yaml
from django.conf import settings

from portal.search.cjk import to_simplified

PINYIN = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
PAGE_NUMBER = re.compile(r"(?<=\s)\d{2,3}(?=\s|\()")
WHITESPACE = re.compile(r"\s+")
DIGITS_DUN = re.compile(r"\d+、")
LEADING_NUMBER = re.compile(
    r"^(?:[（(][0-9一二三四五六七八九十]+[)）]?|[一二三四五六七八九十]+、"
    r"|第[0-9一二三四五六七八九十百零]+[条章题篇]|\d+[.．](?!\d))"
)
ANSWER_MARK = re.compile(r"答[:：]")
EXTRA_MARKS = set("〃„‟《》“”‘’「」『』")
QUOTED_PASSAGE = re.compile(r"原文(?:[:：]|作|说|称|为|是)?\s*“([^“”]+)”")


def typo_fixes_path() -> Path:
    return Path(settings.FIXTURES_DIR) / "knowledge" / "typo_fixes.yaml"


@functools.cache
def _typo_fixes(path: str) -> tuple[tuple[str, str], ...]:
    file = Path(path)
    if not file.exists():
        return ()
    rows = yaml.safe_load(file.read_text(encoding="utf-8")).get("typo_fixes") or []
    pairs = [(to_simplified(row["source"]), row["shown"]) for row in rows]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def _is_punctuation(char: str) -> bool:
    return (
        unicodedata.category(char).startswith("P")
        or char in string.punctuation
        or char in EXTRA_MARKS
    )


def comparable(text: str, *, quote: bool = False, qa: bool = False) -> str:
    """The form both sides are compared in (see the module docstring)."""
    text = to_simplified(text or "")
    if quote:
        text = PINYIN.sub("", text)
    text = WHITESPACE.sub("", PAGE_NUMBER.sub("", " " + text))
    text = DIGITS_DUN.sub("", text)
    while (stripped := LEADING_NUMBER.sub("", text)) != text:
        text = stripped
    if quote:
        for wrong, right in _typo_fixes(str(typo_fixes_path())):
            text = text.replace(wrong, right)
        if qa:
            text = ANSWER_MARK.sub("", text, count=1)
    return "".join(char for char in text if not _is_punctuation(char))


def differing_runs(shown: str, quote: str, *, qa: bool = False) -> list[str]:
    """[] when the shown text is the quote or a contiguous part of it; else each differing run,
    in words ("改：显示「故意」 原文「故障」")."""
    shown, quote = comparable(shown), comparable(quote, quote=True, qa=qa)
    if shown in quote:
        return []
    words = {"replace": "改", "delete": "增", "insert": "删"}
    matcher = SequenceMatcher(None, shown, quote, autojunk=False)
    return [
        f"{words[tag]}：显示「{shown[i1:i2]}」 原文「{quote[j1:j2]}」"
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def quoted_passages(*texts: str) -> list[str]:
    """Passages a question presents as the source's own words: 原文“…”."""
    return [passage for text in texts for passage in QUOTED_PASSAGE.findall(text or "")]


@dataclass(frozen=True)
class ChangedWording:
    kind: str
    label: str
    runs: list[str]
    noted: bool
