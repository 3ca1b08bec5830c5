"""Grading rules as plain functions: no database access here.

Responses as stored: single → int option index; multiple → sorted list of indices;
truefalse → bool; fill → list of strings, one per blank; short → string.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from portal.search.cjk import to_simplified
from portal.thesaurus.keypoints import grade_blanks, match_points
from portal.thesaurus.text import NO_THESAURUS, Thesaurus

from ..bank.choices import QuestionType
from .models import MultipleScoring

PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
CENT = Decimal("0.01")


def normalise_text(text: str) -> str:
    """For comparing free text: width, case, Traditional/Simplified, punctuation and spaces."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return PUNCTUATION.sub("", to_simplified(text)).lower()


def normalise_response(qtype: str, raw, option_count: int = 0, blank_count: int = 0):
    """Turn what the browser sent into the stored form; ValueError (Chinese) if it is malformed."""
    if raw is None or raw == "" or raw == []:
        return None
    if qtype == QuestionType.SINGLE:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < option_count:
            raise ValueError("所选选项不存在。")
        return raw
    if qtype == QuestionType.MULTIPLE:
        if not isinstance(raw, list) or any(
            isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < option_count for i in raw
        ):
            raise ValueError("所选选项不存在。")
        return sorted(set(raw))
    if qtype == QuestionType.TRUE_FALSE:
        if not isinstance(raw, bool):
            raise ValueError("判断题只能选择“对”或“错”。")
        return raw
    if qtype == QuestionType.FILL:
        if (
            not isinstance(raw, list)
            or len(raw) != blank_count
            or any(not isinstance(x, str) for x in raw)
        ):
            raise ValueError(f"填空题应填写 {blank_count} 个空。")
        if any(len(x) > 200 for x in raw):
            raise ValueError("每个空最多填写 200 个字。")
        return [x.strip() for x in raw]
    if qtype == QuestionType.SHORT:
        if not isinstance(raw, str):
            raise ValueError("简答题请填写文字。")
        if len(raw) > 5000:
            raise ValueError("简答题最多填写 5000 个字。")
        return raw
    raise ValueError("未知题型。")


@dataclass
class GradeResult:
    awarded: Decimal
    is_correct: bool | None  # None: waits for a person (short answers)
    needs_review: bool = False
    marking: list = field(default_factory=list)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def match_key_points(
    answer_text: str, key_points: list, thesaurus: Thesaurus = NO_THESAURUS
) -> list[dict]:
    """One marking entry per key point: whether the answer contains it (by meaning: numerals,
    script, width and the thesaurus do not matter; bound parts stay together) and the words
    found; a reviewer's decision and comment come later."""
    return [
        {
            "point": match.point,
            "matched": match.matched,
            "found": match.found,
            "weight": str(match.weight),
            "accepted": None,
            "comment": "",
        }
        for match in match_points(answer_text or "", key_points, thesaurus)
    ]


def _counts(entry: dict) -> bool:
    accepted = entry.get("accepted")
    return bool(accepted if accepted is not None else entry.get("matched"))


def marking_score(marking: list[dict], max_score: Decimal) -> Decimal:
    """Weighted share of the key points that count — a reviewer's decision where given, else the
    automatic match — of the question's score."""
    weights = [Decimal(str(entry.get("weight") or 1)) for entry in marking]
    total = sum(weights, Decimal(0))
    if not total:
        return Decimal(0)
    earned = sum(
        (w for w, entry in zip(weights, marking, strict=True) if _counts(entry)), Decimal(0)
    )
    return _money(Decimal(max_score) * earned / total)


def grade(
    qtype: str,
    answer_key,
    response,
    max_score: Decimal,
    multiple_scoring: str,
    *,
    thesaurus: Thesaurus = NO_THESAURUS,
    blanks_unordered: bool = False,
) -> GradeResult:
    max_score = Decimal(max_score)
    if qtype == QuestionType.SHORT:
        marking = match_key_points(response or "", answer_key, thesaurus)
        return GradeResult(
            marking_score(marking, max_score), None, needs_review=True, marking=marking
        )
    if response is None:
        return GradeResult(Decimal(0), False)
    if qtype in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        correct = [response] == answer_key
        return GradeResult(max_score if correct else Decimal(0), correct)
    if qtype == QuestionType.MULTIPLE:
        chosen, right = set(response), set(answer_key)
        if chosen == right:
            return GradeResult(max_score, True)
        if multiple_scoring == MultipleScoring.PARTIAL and chosen and chosen < right:
            return GradeResult(_money(max_score * len(chosen) / len(right)), False)
        return GradeResult(Decimal(0), False)
    if qtype == QuestionType.FILL:
        right = grade_blanks(response, answer_key, unordered=blanks_unordered, thesaurus=thesaurus)
        awarded = _money(max_score * sum(right) / len(answer_key))
        return GradeResult(awarded, sum(right) == len(answer_key))
    raise ValueError(qtype)
