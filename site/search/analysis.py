"""Text analysis shared by the indexed items and the queries: comparable text, index terms, the core of a question."""

import re
import unicodedata

import jieba

from portal.thesaurus.text import NO_THESAURUS, Thesaurus, normalise_numbers

jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
UNIT = re.compile(rf"[{CJK}]|[0-9]+(?:\.[0-9]+)?|[a-z]+")
CJK_RUN = re.compile(rf"[{CJK}]+")
WORDISH = re.compile(rf"[{CJK}0-9a-z.]+")
# Words people put around what they look for. Longer ones are cut wherever they occur (they are
# never part of a term we index); the one-character ones only where jieba makes a word of them.
QUESTION_PHRASES = [
    "多长时间", "多少分钟", "多少小时", "多少天", "多少钱", "多少", "多久", "多长", "多大", "多高",
    "几个工作日", "几天", "几次", "几分钟", "几小时", "几个", "几种", "几项", "几年", "几回", "几声",
    "哪几个", "哪几种", "哪几", "哪些", "哪个", "哪里", "哪儿", "哪边", "哪位", "什么时候", "什么样",
    "什么", "啥时候", "啥", "怎么办", "怎么样", "怎么", "怎样", "咋办", "咋", "如何", "是否",
    "是不是", "能不能", "可不可以", "要不要", "有没有", "会不会", "请问", "一下", "干嘛", "为什么",
    "应该", "应当", "需要", "可以", "我们", "你们", "他们",
]  # fmt: skip
FILLERS = frozenset("吗呢吧啊呀么嘛要能会该有的了是都就还谁几我你他她它得地着过和与或及")
QUESTION_PATTERN = re.compile(
    "|".join(map(re.escape, sorted(QUESTION_PHRASES, key=len, reverse=True)))
)
CROSS_WORD_WEIGHT = 0.5
CLAUSE = re.compile(r"第\s*([0-9]+)\s*[条款项题]|([0-9]+)\s*条")


def prepare(text: str, thesaurus: Thesaurus = NO_THESAURUS) -> str:
    """Comparable text that keeps its word boundaries as spaces: width, case, Simplified, units
    and numerals read alike (三十五千伏 = 35kv), thesaurus terms as their group's first term."""
    text = normalise_numbers(unicodedata.normalize("NFKC", str(text or "")).lower())
    return " ".join(thesaurus.canonical(part) for part in WORDISH.findall(text))


def units(text: str) -> list[str]:
    """Characters, with a run of digits or of Latin letters counted as one."""
    return UNIT.findall(text)


def terms(prepared: str) -> list[str]:
    """Index terms of prepared text: each unit, overlapping pairs of units (as Lucene's
    CJKAnalyzer) and jieba's longer search-mode words, so any part of a phrase can match."""
    found: list[str] = []
    for chunk in prepared.split():
        pieces = units(chunk)
        found.extend(pieces)
        found.extend(a + b for a, b in zip(pieces, pieces[1:], strict=False))
        for run in CJK_RUN.findall(chunk):
            found.extend(word for word in jieba.cut_for_search(run) if len(word) > 2)
    return found


def query_terms(phrase: str, *, singles: bool) -> dict[str, float]:
    """A query phrase's terms with their weights: a pair of characters that jieba puts in two
    different words (户交 in 客户交了) counts for less, since it rarely names anything."""
    weights: dict[str, float] = {}
    pieces = [(m.start(), m.end(), m.group(0)) for m in UNIT.finditer(phrase)]
    bounds = set()
    position = 0
    for word in jieba.cut(phrase, HMM=False):
        position += len(word)
        bounds.add(position)
    if singles:
        for _, _, unit in pieces:
            weights[unit] = weights.get(unit, 0.0) + 1.0
    for (_, end, a), (_, _, b) in zip(pieces, pieces[1:], strict=False):
        inside = end not in bounds or a.isascii() or b.isascii()
        weights[a + b] = weights.get(a + b, 0.0) + (1.0 if inside else CROSS_WORD_WEIGHT)
    for run in CJK_RUN.findall(phrase):
        for word in jieba.cut_for_search(run):
            if len(word) > 2:
                weights[word] = weights.get(word, 0.0) + 1.0
    return weights


def query_core(prepared: str) -> list[str]:
    """The phrases a prepared query looks for, without its question and filler words
    (电话铃响几声内接听 → 电话铃响, 内接听)."""
    phrases = []
    for chunk in QUESTION_PATTERN.sub(" ", prepared).split():
        kept = []
        for word in jieba.cut(chunk, HMM=False):
            if word in FILLERS:
                if kept:
                    phrases.append("".join(kept))
                kept = []
            else:
                kept.append(word)
        if kept:
            phrases.append("".join(kept))
    return phrases


def clause_number(prepared: str) -> tuple[str, int | None]:
    """A clause asked for ("第4条", "2条"): the query without it, and its number."""
    match = CLAUSE.search(prepared)
    if match is None:
        return prepared, None
    number = int(match.group(1) or match.group(2))
    return (prepared[: match.start()] + " " + prepared[match.end() :]).strip(), number
