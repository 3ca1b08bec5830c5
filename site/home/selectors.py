"""What the home page shows a signed-in person first: the exams that still ask something of them
(being sat, open to start, upcoming) with their deadlines, then a few practice suggestions."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse

from quizzes.papers.selectors import ExamRow, exams_to_do
from quizzes.practice.selectors import progress_by_category

# Below this share of right answers a category is worth practising again.
WEAK_RATE = 80
MAX_SUGGESTIONS = 4


@dataclass
class Suggestion:
    title: str
    detail: str
    url: str


def pending_exams(*, user, now: datetime) -> list[ExamRow]:
    return exams_to_do(user=user, now=now)


def _practice_url(scope: str) -> str:
    return f"{reverse('quizzes:practice_question')}?{urlencode({'scope': scope})}"


def practice_suggestions(*, user) -> list[Suggestion]:
    """The wrong-answer book if it holds anything, the categories answered worst, those never
    practised, and random practice when nothing else applies (four queries)."""
    progress = progress_by_category(user=user)
    suggestions = []
    wrong = sum(row.wrong_book for row in progress)
    if wrong:
        suggestions.append(
            Suggestion("错题重练", f"错题本里还有 {wrong} 道题", _practice_url("wrongbook"))
        )
    weak = sorted(
        (row for row in progress if row.correct_rate is not None and row.correct_rate < WEAK_RATE),
        key=lambda row: row.correct_rate,
    )
    for row in weak:
        suggestions.append(
            Suggestion(
                row.category.path,
                f"正确率 {row.correct_rate}%，再练一练",
                _practice_url(f"category:{row.category.path}"),
            )
        )
    for row in progress:
        if not row.answers and row.available:
            suggestions.append(
                Suggestion(
                    row.category.path,
                    f"还没有练过，共 {row.available} 题",
                    _practice_url(f"category:{row.category.path}"),
                )
            )
    if not suggestions:
        suggestions.append(Suggestion("随机练习", "从全部题目中随机出题", _practice_url("random")))
    return suggestions[:MAX_SUGGESTIONS]
