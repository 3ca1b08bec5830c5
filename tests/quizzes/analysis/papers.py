"""Graded exam papers written straight into the database for the analysis tests: each paper a
row of item scores, as an Attempt with its AttemptQuestion snapshots."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from quizzes.models import Attempt, AttemptQuestion, Question, QuestionCategory, QuestionType
from tests.quizzes.factories import make_blueprint, make_exam

OPTIONS = ["甲", "乙", "丙", "丁"]


def make_questions(count: int, *, prefix: str = "analysis", knowledge_point: str = "") -> list:
    category = QuestionCategory.for_path("测试/试题分析")
    return [
        Question.objects.create(
            code=f"{prefix}-{n}",
            type=QuestionType.SINGLE,
            stem=f"分析测试题{n}",
            options=OPTIONS,
            answer=[0],
            category=category,
            knowledge_point=knowledge_point or f"知识点{n}",
        )
        for n in range(count)
    ]


def exam(title: str = "试题分析测试考试", **fields):
    blueprint = make_blueprint(("单选", [QuestionType.SINGLE], 1, 1), name=title)
    return make_exam(blueprint, title=title, **fields)


def sit(
    *,
    exam,
    user,
    questions: list,
    row: list[int],
    number: int = 1,
    status=Attempt.Status.GRADED,
    wrong_option: int = 1,
    stems: dict | None = None,
    submitted_at=None,
) -> Attempt:
    """One graded paper: question i answered right (option 0) when row[i] is 1, else
    `wrong_option`. `stems` replaces a question's snapshot stem (an edited version)."""
    submitted_at = submitted_at or timezone.now()
    started = submitted_at - timedelta(minutes=20)
    score = Decimal(sum(row))
    attempt = Attempt.objects.create(
        exam=exam,
        user=user,
        number=number,
        status=status,
        random_seed=random.getrandbits(40),
        started_at=started,
        deadline_at=started + timedelta(minutes=30),
        submitted_at=submitted_at,
        score=score,
        max_score=Decimal(len(row)),
        passed=True,
        question_count=len(row),
        results_released_at=submitted_at,
    )
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(
            attempt=attempt,
            position=position + 1,
            section_title="单选",
            question=question,
            type=QuestionType.SINGLE,
            stem=(stems or {}).get(question.pk, question.stem),
            options=OPTIONS,
            answer_key=[0],
            max_score=Decimal(1),
            response=0 if right else wrong_option,
            awarded=Decimal(right),
            is_correct=bool(right),
            saved_at=started + timedelta(minutes=position + 1),
        )
        for position, (question, right) in enumerate(zip(questions, row, strict=True))
    )
    return attempt
