"""智能练习 (read side): a practice set drawn from the person's weakest knowledge points and rule
sets (their practice answers and their released exam answers), mixed with the wrong-book items
that are due on a spaced schedule, each with the reason it was chosen.

The schedule: a wrong-book item comes back 1 day after the answer that put it there, then 3, 7
and 14 days after each later answer (the step grows with every return), until it is answered
right twice in a row — the wrong book then retires it (quizzes.practice.services).

Never offered: questions practice may not serve (考试专用, 停用, case-analysis sub-questions), and
the questions of the person's own papers in an exam family that is not over yet (others may
still be sitting them).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from ..bank.models import Question
from ..papers import disclosure
from ..papers.models import AttemptQuestion, Exam
from ..practice.models import AnswerRecord, WrongAnswer
from ..practice.selectors import practice_pool
from .mastery import Share, person_shares

INTERVALS = (1, 3, 7, 14)  # days
SESSION_SIZE = 10
WEAK_BELOW = 0.8  # a point or rule set with a lower share counts as weak
MIN_ANSWERS = 3  # a share from fewer answers says too little
PER_TOPIC = 2
HISTORY = timedelta(days=180)
RECENT_EXAMS = timedelta(days=62)


def review_due(*, wrong_count: int, correct_streak: int, last_answered_at: datetime) -> datetime:
    """When a wrong-book item is due again: the n-th return comes INTERVALS[n] days after the
    latest answer (n = returns so far: each wrong answer after the first, each right one)."""
    step = _returns(wrong_count=wrong_count, correct_streak=correct_streak)
    return last_answered_at + timedelta(days=INTERVALS[min(step, len(INTERVALS) - 1)])


def _returns(*, wrong_count: int, correct_streak: int) -> int:
    """How often the item came back already: each wrong answer after the first, each right one."""
    return max(0, wrong_count - 1) + correct_streak


def review_reason(*, wrong_count: int, correct_streak: int, days: int) -> str:
    """ "错题复习：第 2 次复习，距上次 3 天" — the n-th return of a wrong-book item."""
    number = _returns(wrong_count=wrong_count, correct_streak=correct_streak) + 1
    return f"错题复习：第 {number} 次复习，距上次 {days} 天"


@dataclass
class SmartItem:
    question: Question
    reason: str
    kind: str  # "due" (wrong book) or "weak"


@dataclass
class SmartSet:
    items: list[SmartItem]
    weakest: list[Share]  # the weak topics the set draws on
    due_later: int  # wrong-book items not yet due

    @property
    def question_ids(self) -> list[int]:
        return [item.question.pk for item in self.items]


def open_family_question_ids(*, user, now: datetime) -> set[int]:
    """The questions of the person's recent papers whose exam family is not over."""
    exams = Exam.objects.filter(
        attempts__user=user, attempts__started_at__gte=now - RECENT_EXAMS
    ).distinct()
    open_exams = [exam.pk for exam in exams if not disclosure.family_over(exam=exam, now=now)]
    if not open_exams:
        return set()
    return set(
        AttemptQuestion.objects.filter(
            attempt__user=user, attempt__exam_id__in=open_exams, question__isnull=False
        ).values_list("question_id", flat=True)
    )


def _due_items(*, user, now: datetime, blocked: set[int]) -> tuple[list[SmartItem], int]:
    last = (
        AnswerRecord.objects.filter(user=user, question=OuterRef("question_id"))
        .order_by()
        .values("question")
        .annotate(at=Max("answered_at"))
        .values("at")[:1]
    )
    entries = (
        WrongAnswer.objects.filter(
            user=user,
            retired_at__isnull=True,
            question__in=practice_pool(),
        )
        .exclude(question_id__in=blocked)
        .annotate(last_answered=Subquery(last))
        .select_related("question")
    )
    due, later = [], 0
    for entry in entries:
        answered = entry.last_answered or entry.last_wrong_at
        at = review_due(
            wrong_count=entry.wrong_count,
            correct_streak=entry.correct_streak,
            last_answered_at=answered,
        )
        if at > now:
            later += 1
            continue
        days = max(1, (now - answered).days)
        due.append(
            (
                at,
                SmartItem(
                    entry.question,
                    review_reason(
                        wrong_count=entry.wrong_count,
                        correct_streak=entry.correct_streak,
                        days=days,
                    ),
                    "due",
                ),
            )
        )
    due.sort(key=lambda pair: pair[0])
    return [item for _, item in due], later


def _weak_topics(*, user, now: datetime) -> list[tuple[Share, Q]]:
    points, rule_sets = person_shares(user=user, since=now - HISTORY)
    linked = Question.rules.through.objects
    topics = []
    for share in rule_sets:
        if share.answers >= MIN_ANSWERS and share.share is not None and share.share < WEAK_BELOW:
            ids = linked.filter(ruleitem__rule_set__code=share.code).values("question_id")
            topics.append((share, Q(pk__in=ids)))
    for share in points:
        if share.answers >= MIN_ANSWERS and share.share is not None and share.share < WEAK_BELOW:
            topics.append((share, Q(knowledge_point=share.label)))
    topics.sort(key=lambda pair: pair[0].share)
    return topics


def _weak_items(*, user, now, topics, taken: set[int], room: int) -> list[SmartItem]:
    times = (
        AnswerRecord.objects.filter(user=user, question=OuterRef("pk"))
        .order_by()
        .values("question")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    items = []
    for share, condition in topics:
        if len(items) >= room:
            break
        picked = list(
            practice_pool()
            .filter(condition)
            .exclude(pk__in=taken)
            # never answered = 0, not NULL: PostgreSQL sorts NULL last
            .annotate(times=Coalesce(Subquery(times, output_field=IntegerField()), Value(0)))
            .defer("answer", "explanation", "quote")
            .order_by("times", "?")[: min(PER_TOPIC, room - len(items))]
        )
        for question in picked:
            taken.add(question.pk)
            items.append(
                SmartItem(question, f"您在“{share.label}”上的得分率为 {share.share:.0%}", "weak")
            )
    return items


def smart_set(*, user, now: datetime, size: int = SESSION_SIZE) -> SmartSet:
    """Up to `size` questions: due wrong-book items (at most half, unless nothing is weak), then
    questions of the weakest topics, two per topic, weakest first; due and weak interleaved."""
    blocked = open_family_question_ids(user=user, now=now)
    due, later = _due_items(user=user, now=now, blocked=blocked)
    topics = _weak_topics(user=user, now=now)
    due = due[: size if not topics else max(size // 2, size - PER_TOPIC * len(topics))]
    taken = blocked | {item.question.pk for item in due}
    weak = _weak_items(user=user, now=now, topics=topics, taken=taken, room=size - len(due))
    mixed = []
    for index in range(max(len(due), len(weak))):
        mixed += [part[index] for part in (weak, due) if index < len(part)]
    return SmartSet(items=mixed, weakest=[share for share, _ in topics], due_later=later)
