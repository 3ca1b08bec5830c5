"""Graded exam papers for the item-analysis benchmarks (issue 19): one closed monthly exam in the
load data's last month, sat by every load person, each paper 25 questions from a pool of the
first 1,000 load questions (all five types) — 250,000 graded answers for 10,000 people.

Answers follow a simple model so the statistics have something to find: a person's ability (the
same as their assessment records use) against the question's stated difficulty; every 97th
question is keyed "wrong" (the strong miss it: negative discrimination) and some distractors are
almost never chosen (dead). Deterministic and idempotent like the rest of the load data: each
person's paper comes from the seed and their number; people with a paper already are skipped.
Written with bulk inserts (the papers are as `store_paper` and grading would leave them).
"""

import math
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from portal.organisation.models import StaffProfile
from portal.thesaurus.keypoints import example_phrase
from quizzes.models import Attempt, AttemptQuestion, Blueprint, Exam, Question, QuestionType

from .loadgen import BLUEPRINT_NAME, UNIT_PREFIX, question_code
from .loadgen import _rng as seeded

ANALYSIS_EXAM_TITLE = "压测月度考试（试题分析）"
POOL = 1000
PAPER = 25
REVERSED_EVERY = 97
PEOPLE_BATCH = 500


def _exam(*, month: date, blueprint) -> Exam:
    exam = Exam.objects.filter(title=ANALYSIS_EXAM_TITLE).first()
    if exam is None:
        opens = timezone.make_aware(datetime(month.year, month.month, 10, 8))
        exam = Exam.objects.create(
            title=ANALYSIS_EXAM_TITLE,
            blueprint=blueprint,
            status=Exam.Status.CLOSED,
            month=month,
            opens_at=opens,
            closes_at=opens + timedelta(days=3),
            attempts_allowed=1,
        )
    return exam


def _chance(ability: float, difficulty: int, reversed_key: bool) -> float:
    """The chance of a right answer: logistic in ability minus difficulty."""
    if reversed_key:
        ability = 1.5 - ability  # the better the person, the likelier the "wrong" key misses
    return 1 / (1 + math.exp(-(6 * (ability - 0.55) - 1.1 * (difficulty - 2))))


def _response(question: Question, right: bool, rng):
    """The stored response and, for a short answer, its marking."""
    key = question.answer
    if question.type == QuestionType.SINGLE:
        wrong = [i for i in range(len(question.options)) if i != key[0]]
        # The last distractor is almost never chosen (a dead distractor).
        weights = [1.0] * (len(wrong) - 1) + [0.03]
        return (key[0] if right else rng.choices(wrong, weights)[0]), []
    if question.type == QuestionType.MULTIPLE:
        return (sorted(key) if right else sorted(key[:-1])), []
    if question.type == QuestionType.TRUE_FALSE:
        return (key[0] if right else not key[0]), []
    if question.type == QuestionType.FILL:
        return [alternatives[0] if right else "不清楚" for alternatives in key], []
    hits = [right or rng.random() < 0.4 for _ in key]
    text = "；".join(example_phrase(p) for p, hit in zip(key, hits, strict=True) if hit)
    marking = [
        {"point": str(p), "matched": hit, "found": [], "weight": "1", "accepted": None}
        for p, hit in zip(key, hits, strict=True)
    ]
    return text or "按规定办理", marking


def _paper(attempt: Attempt, picked: list[Question], ability: float, rng) -> list:
    items, score = [], Decimal(0)
    saved = attempt.started_at
    for position, question in enumerate(picked, start=1):
        reversed_key = question.pk % REVERSED_EVERY == 0
        right = rng.random() < _chance(ability, question.difficulty, reversed_key)
        response, marking = _response(question, right, rng)
        if marking:
            share = Decimal(sum(entry["matched"] for entry in marking)) / len(marking)
            awarded = (Decimal(1) * share).quantize(Decimal("0.01"))
        else:
            awarded = Decimal(1) if right else Decimal(0)
        score += awarded
        saved += timedelta(seconds=rng.randrange(20, 150))
        items.append(
            AttemptQuestion(
                attempt=attempt,
                position=position,
                section_title="压测",
                question=question,
                type=question.type,
                stem=question.stem,
                options=question.options,
                answer_key=question.answer,
                max_score=Decimal(1),
                response=response,
                saved_at=saved,
                awarded=awarded,
                is_correct=None if marking else right,
                marking=marking,
            )
        )
    attempt.score = score
    attempt.passed = score >= Decimal(PAPER) * Decimal("0.6")
    attempt.submitted_at = saved
    return items


def build_graded_attempts(*, month: date, seed: int, progress=None) -> int:
    """Every load person's graded paper of the analysis exam (those missing); how many made."""
    blueprint = Blueprint.objects.filter(name=BLUEPRINT_NAME).first()
    if blueprint is None:
        return 0
    exam = _exam(month=month, blueprint=blueprint)
    pool = list(
        Question.objects.filter(code__in=[question_code(n) for n in range(1, POOL + 1)]).order_by(
            "code"
        )
    )
    if len(pool) < PAPER:
        return 0
    done = set(exam.attempts.values_list("user_id", flat=True))
    people = [
        (user_id, number)
        for user_id, number in StaffProfile.objects.filter(employee_number__startswith=UNIT_PREFIX)
        .order_by("employee_number")
        .values_list("user_id", "employee_number")
        if user_id not in done
    ]
    made = 0
    for start in range(0, len(people), PEOPLE_BATCH):
        batch = people[start : start + PEOPLE_BATCH]
        attempts, papers = [], []
        for user_id, number in batch:
            rng = seeded(seed, "paper", number)
            ability = seeded(seed, "ability", number).uniform(0.6, 0.97)
            started = exam.opens_at + timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
            attempt = Attempt(
                exam=exam,
                user_id=user_id,
                number=1,
                status=Attempt.Status.GRADED,
                random_seed=rng.getrandbits(40),
                started_at=started,
                deadline_at=started + timedelta(minutes=90),
                max_score=Decimal(PAPER),
                question_count=PAPER,
            )
            papers.append(_paper(attempt, rng.sample(pool, PAPER), ability, rng))
            attempts.append(attempt)
        with transaction.atomic():
            Attempt.objects.bulk_create(attempts)
            AttemptQuestion.objects.bulk_create(
                [item for paper in papers for item in paper], batch_size=5000
            )
        made += len(batch)
        if progress:
            progress(f"已出分答卷 {made}/{len(people)}")
    if made and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh planner statistics for the grown tables
            for model in (Attempt, AttemptQuestion):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return made
