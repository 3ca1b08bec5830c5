"""试评: how an answer would score against a question's key right now — the same grading as a
paper, with the current thesaurus — without recording anything. Used by `grade_answer` and the
try-out box on a question's admin preview."""

from dataclasses import dataclass, field
from decimal import Decimal

from portal.thesaurus.keypoints import grade_blanks, write_key_point
from portal.thesaurus.selectors import current_thesaurus

from ..papers.grading import grade
from .choices import QuestionType
from .models import Question

MAX_TRIAL_LENGTH = 5000
BLANK_SEPARATOR = "；"


class TrialRefused(ValueError):
    """The answer cannot be tried (Chinese message)."""


@dataclass
class TrialPoint:
    point: str
    matched: bool
    found: list[str] = field(default_factory=list)
    weight: str = "1"


@dataclass
class TrialResult:
    code: str
    type: str
    score: Decimal
    max_score: Decimal
    points: list[TrialPoint]

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "type": self.type,
            "score": float(self.score),
            "max_score": float(self.max_score),
            "points": [
                {"point": p.point, "matched": p.matched, "found": p.found, "weight": p.weight}
                for p in self.points
            ],
        }


def try_answer(*, question: Question, answer: str) -> TrialResult:
    """Grade `answer` (a short answer's text; for fill-in, the blanks separated by "；") as an
    exam would. TrialRefused for other question types and answers over 5,000 characters."""
    answer = answer or ""
    if len(answer) > MAX_TRIAL_LENGTH:
        raise TrialRefused(
            f"答案最多 {MAX_TRIAL_LENGTH} 个字，现在有 {len(answer)} 个字，没有评分。"
        )
    max_score = Decimal(question.default_score)
    thesaurus = current_thesaurus()
    if question.type == QuestionType.SHORT:
        result = grade(
            QuestionType.SHORT, question.answer, answer, max_score, "all", thesaurus=thesaurus
        )
        points = [
            TrialPoint(e["point"], e["matched"], e.get("found", []), e.get("weight", "1"))
            for e in result.marking
        ]
        return TrialResult(question.code, question.type, result.awarded, max_score, points)
    if question.type == QuestionType.FILL:
        given = [part.strip() for part in answer.split(BLANK_SEPARATOR)]
        given += [""] * (len(question.answer) - len(given))
        given = given[: len(question.answer)]
        result = grade(
            QuestionType.FILL,
            question.answer,
            given,
            max_score,
            "all",
            thesaurus=thesaurus,
            blanks_unordered=question.blanks_unordered,
        )
        right = grade_blanks(
            given, question.answer, unordered=question.blanks_unordered, thesaurus=thesaurus
        )
        points = [
            TrialPoint(write_key_point(" | ".join(alts)), ok, [value] if ok else [])
            for value, alts, ok in zip(given, question.answer, right, strict=True)
        ]
        return TrialResult(question.code, question.type, result.awarded, max_score, points)
    raise TrialRefused("只有简答题和填空题可以试评（选择题、判断题按选项评分）。")
