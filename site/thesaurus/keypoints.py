"""Key points (答题要点) that match meaning, not characters.

A key point is written ``道歉|致歉`` (any one alternative) or ``35kV及以上 + 半年|6个月`` (every part,
each with its alternatives, in one clause), with a weight ``停电通知 + 送达 ×2`` (default 1); it is
stored as that text, or as {"point": ..., "weight": ...} when weighted. Matching compares the
comparable forms of portal.thesaurus.text, so numerals, width, script and synonyms do not matter.
Pure functions: the thesaurus is passed in.
"""

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import product

from .text import NO_THESAURUS, SEGMENT_END, SENTENCE_END, Thesaurus

KEY_POINT_HELP = (
    "每行一个要点，写答案必须包含的关键词语，不写整句。“|”分隔几种说法（道歉|致歉）；“+”连接必须在"
    "同一句中同时出现的几部分（35kV及以上 + 半年|6个月）；行末“×2”表示该要点分值加倍。数字写法"
    "（三/3）、繁简、全半角和同义词表中的同义词都视为相同。"
)
ALTERNATIVE = "|"
BOUND = "+"
MAX_PARTS = 4
CENT = Decimal("0.01")
WEIGHT_SUFFIX = re.compile(r"\s*[×xX*＊]\s*(\d+(?:\.\d+)?)\s*$")
NEGATIONS = (
    "不准",
    "不得",
    "不要",
    "不用",
    "不必",
    "不能",
    "无需",
    "禁止",
    "不",
    "没",
    "未",
    "勿",
    "别",
)


@dataclass(frozen=True)
class KeyPoint:
    text: str  # as the editor wrote it (shown to markers and in reviews)
    parts: tuple[tuple[str, ...], ...]  # each part's alternatives, as written
    weight: Decimal = Decimal(1)

    @property
    def bound(self) -> bool:
        return len(self.parts) > 1


def _weight(raw) -> Decimal:
    try:
        weight = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValueError(f"要点权重“{raw}”不是数字。") from None
    if not weight.is_finite() or not Decimal("0.5") <= weight <= 10:
        raise ValueError(f"要点权重应在 0.5 到 10 之间，“{raw}”不行。")
    return weight


def parse_key_point(raw) -> KeyPoint:
    """A key point from its stored form (a string, or {"point": ..., "weight": ...}).
    ValueError (Chinese) when it is empty or malformed."""
    weight = Decimal(1)
    if isinstance(raw, dict):
        weight = _weight(raw.get("weight", 1))
        raw = raw.get("point", "")
    text = str(raw or "").strip()
    parts = []
    for part in text.split(BOUND):
        alternatives = tuple(alt.strip() for alt in part.split(ALTERNATIVE) if alt.strip())
        if not alternatives:
            raise ValueError(f"要点“{text}”中有空的部分：“+”两侧和“|”之间都要写词语。")
        parts.append(alternatives)
    if len(parts) > MAX_PARTS:
        raise ValueError(f"要点“{text}”最多由 {MAX_PARTS} 个部分用“+”连接。")
    return KeyPoint(text, tuple(parts), weight)


def key_point_problems(raw, thesaurus: Thesaurus = NO_THESAURUS) -> list[str]:
    """Why a key point cannot be saved (Chinese); empty when it can match something."""
    try:
        point = parse_key_point(raw)
    except ValueError as error:
        return [str(error)]
    empty = [alt for part in point.parts for alt in part if not thesaurus.comparable(alt)]
    if empty:
        return [
            f"要点“{point.text}”中的“{'、'.join(empty)}”去掉标点和空格后什么也不剩，"
            "不可能与任何答案相符。"
        ]
    return []


def key_points_problems(stored, thesaurus: Thesaurus = NO_THESAURUS) -> list[str]:
    """Why a list of key points cannot be saved (Chinese); empty when every point can match."""
    if not isinstance(stored, list) or not stored:
        return ["至少要有一个答题要点。"]
    problems = []
    for raw in stored:
        if not isinstance(raw, str | dict):
            problems.append("答题要点必须是文字。")
            continue
        problems += key_point_problems(raw, thesaurus)
    return problems


def example_phrase(raw) -> str:
    """Words that contain the key point: the first alternative of each part, in order (for demo
    answers and tests)."""
    return "".join(part[0] for part in parse_key_point(raw).parts)


def key_point_text(raw) -> str:
    """The key point as written, without its weight."""
    return str(raw.get("point", "") if isinstance(raw, dict) else raw or "").strip()


def read_key_point(line: str):
    """A written line ("停电通知 + 送达 ×2") → its stored form: the text, or a dict when weighted."""
    line = str(line or "").strip()
    match = WEIGHT_SUFFIX.search(line)
    if match is None:
        return line
    text = line[: match.start()].strip()
    weight = _weight(match.group(1))
    return text if weight == 1 else {"point": text, "weight": _number(weight)}


def write_key_point(stored) -> str:
    """The stored form → the written line read_key_point reads back."""
    if isinstance(stored, dict):
        weight = _weight(stored.get("weight", 1))
        text = key_point_text(stored)
        return text if weight == 1 else f"{text} ×{_number(weight)}"
    return str(stored or "")


def _number(weight: Decimal):
    return int(weight) if weight == weight.to_integral_value() else float(weight)


def describe_key_points(stored: list) -> str:
    """For reviews and feedback: the points in words, weights shown where they are not 1."""
    return "；".join(write_key_point(point) for point in stored or [])


# Matching a short answer -----------------------------------------------------------------------


@dataclass
class PointMatch:
    point: str
    matched: bool
    found: list[str] = field(default_factory=list)  # the alternatives found, as written
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    segment: int


def _segments(answer: str, thesaurus: Thesaurus) -> list[list[str]]:
    """The answer as sentences of comparable segments (clauses split at commas and colons)."""
    sentences = []
    for sentence in SENTENCE_END.split(answer or ""):
        segments = [thesaurus.comparable(segment) for segment in SEGMENT_END.split(sentence)]
        segments = [segment for segment in segments if segment]
        if segments:
            sentences.append(segments)
    return sentences


def _hits(segments: list[str], terms: dict[str, str]) -> list[tuple[_Hit, str]]:
    """Every occurrence of a term (comparable form → as written) in a sentence's segments,
    with positions in the sentence as if its segments were joined.

    Negation is not guessed: "不准违反规定停电" must earn the point 违反规定停电 of 十个不准, and a
    point that needs the negative says so in its words (不推诿, 不要冷场)."""
    found, offset = [], 0
    for index, segment in enumerate(segments):
        for term, written in terms.items():
            start = segment.find(term)
            while start >= 0:
                found.append((_Hit(offset + start, offset + start + len(term), index), written))
                start = segment.find(term, start + 1)
        offset += len(segment)
    return found


def _comparable_terms(part: tuple[str, ...], thesaurus: Thesaurus) -> dict[str, str]:
    terms = {}
    for alternative in part:
        comparable = thesaurus.comparable(alternative)
        if comparable:
            terms.setdefault(comparable, alternative)
    return terms


def _encloses(chosen: list[_Hit], rival_parts: list[list[_Hit]]) -> bool:
    """Does the span of the chosen hits hold a whole other bound point (every one of its
    parts, in words of their own — not inside one of the chosen terms, as 3声 in 超过3声)?"""
    low, high = min(h.start for h in chosen), max(h.end for h in chosen)

    def free(hit: _Hit) -> bool:
        return low <= hit.start and hit.end <= high and not _overlaps(hit, chosen)

    return bool(rival_parts) and all(any(free(hit) for hit in hits) for hits in rival_parts)


def _overlaps(hit: _Hit, chosen: list[_Hit]) -> bool:
    return any(c.start < hit.end and hit.start < c.end for c in chosen)


def _bound_match(
    part_hits: list[list[tuple[_Hit, str]]], rivals: list[list[list[_Hit]]]
) -> list[str] | None:
    """One occurrence per part: the words found, or None.

    Refused when the span between them holds a whole other bound point (an answer that swaps two
    pairs), or, across clauses, when a clause used also holds a part of another bound point (its
    terms belong together there). A rival's term inside one of the chosen terms (kw in kwh)
    does not count."""
    for choice in product(*part_hits):
        hits = [hit for hit, _ in choice]
        if any(_encloses(hits, rival) for rival in rivals):
            continue
        touched = {h.segment for h in hits}
        if len(touched) > 1:
            impure = {
                hit.segment
                for rival in rivals
                for part in rival
                for hit in part
                if not _overlaps(hit, hits)
            }
            if touched & impure:
                continue
        return [written for _, written in choice]
    return None


def _find(point: KeyPoint, terms, rival_terms, segments) -> list[str] | None:
    if not point.bound:
        # A single term may be written across punctuation ("融、通、便、捷").
        joined = ["".join(segments)]
        hits = _hits(segments, terms[0]) or _hits(joined, terms[0])
        return [hits[0][1]] if hits else None
    part_hits = [_hits(segments, part) for part in terms]
    if not all(part_hits):
        return None
    rivals = [
        [[hit for hit, _ in _hits(segments, part)] for part in rival] for rival in rival_terms
    ]
    return _bound_match(part_hits, rivals)


def match_points(
    answer: str, key_points: list, thesaurus: Thesaurus = NO_THESAURUS
) -> list[PointMatch]:
    """Which key points an answer contains, and the words found for each.

    A one-part point matches anywhere. A bound point (parts joined by +) matches when all its
    parts occur in one sentence — in one clause, or across clauses that hold no part of another
    bound point — and the stretch between them does not hold a whole other bound point. An
    answer that swaps two pairs ("35kV每3个月，高危每半年") therefore matches neither."""
    points = [parse_key_point(raw) for raw in key_points]
    sentences = _segments(answer, thesaurus)
    part_terms = [[_comparable_terms(part, thesaurus) for part in p.parts] for p in points]
    results = []
    for index, point in enumerate(points):
        own = {term for terms in part_terms[index] for term in terms}
        rival_terms = [
            [{t: t for t in terms if t not in own} for terms in part_terms[other]]
            for other in range(len(points))
            if other != index and points[other].bound
        ]
        found = None
        for segments in sentences:
            found = _find(point, part_terms[index], rival_terms, segments)
            if found:
                break
        results.append(PointMatch(point.text, found is not None, found or [], point.weight))
    return results


def points_share(matches: list[PointMatch]) -> Decimal:
    total = sum((match.weight for match in matches), Decimal(0))
    if not total:
        return Decimal(0)
    return sum((m.weight for m in matches if m.matched), Decimal(0)) / total


def points_score(matches: list[PointMatch], max_score: Decimal) -> Decimal:
    return (Decimal(max_score) * points_share(matches)).quantize(CENT, rounding=ROUND_HALF_UP)


# Fill-in blanks ---------------------------------------------------------------------------------


def blank_right(given: str, alternatives: list[str], thesaurus: Thesaurus = NO_THESAURUS) -> bool:
    value = thesaurus.comparable(given)
    return bool(value) and any(value == thesaurus.comparable(alt) for alt in alternatives)


def grade_blanks(
    given: list[str],
    key: list[list[str]],
    *,
    unordered: bool = False,
    thesaurus: Thesaurus = NO_THESAURUS,
) -> list[bool]:
    """Per blank: right or wrong. Order-free blanks take the assignment of answers to blanks that
    gets the most right (a bipartite matching), so two valid answers in the other order count."""
    if not unordered:
        return [
            blank_right(value, alternatives, thesaurus)
            for value, alternatives in zip(given, key, strict=False)
        ]
    fits = [[blank_right(value, alts, thesaurus) for alts in key] for value in given]
    owner: dict[int, int] = {}  # blank → index of the answer given for it

    def assign(answer: int, seen: set[int]) -> bool:
        for blank, fits_blank in enumerate(fits[answer]):
            if fits_blank and blank not in seen:
                seen.add(blank)
                if blank not in owner or assign(owner[blank], seen):
                    owner[blank] = answer
                    return True
        return False

    for answer in range(len(given)):
        assign(answer, set())
    right_answers = set(owner.values())
    return [answer in right_answers for answer in range(len(given))]
