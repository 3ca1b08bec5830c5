"""Drawing a paper from a blueprint: reproducible from a seed, no repeats, least-seen first."""

import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from .grading import BLANK
from .models import (
    AnswerRecord,
    AttemptQuestion,
    Blueprint,
    BlueprintSection,
    Question,
    QuestionType,
)


class DrawError(Exception):
    """A blueprint cannot be drawn; the message (Chinese) names the section and the shortfall."""


@dataclass
class DrawnQuestion:
    position: int
    section: BlueprintSection
    question: Question
    option_order: list[int]  # displayed option i is the question's option option_order[i]


def section_pool_filter(section: BlueprintSection) -> Q:
    condition = Q(status=Question.Status.ACTIVE)
    if section.types:
        condition &= Q(type__in=section.types)
    if section.difficulties:
        condition &= Q(difficulty__in=section.difficulties)
    category_condition = Q()
    for category in section.categories.all():
        category_condition |= Q(category__path=category.path)
        category_condition |= Q(category__path__startswith=category.path + "/")
    return condition & category_condition


def times_seen(user) -> Counter:
    """How often the person has met each question: in exam papers and in practice."""
    seen: Counter = Counter()
    if user is None:
        return seen
    exam_rows = (
        AttemptQuestion.objects.filter(attempt__user=user, question__isnull=False)
        .values("question_id")
        .annotate(times=Count("id"))
    )
    for row in exam_rows:
        seen[row["question_id"]] += row["times"]
    practice_rows = (
        AnswerRecord.objects.filter(user=user, origin=AnswerRecord.Origin.PRACTICE)
        .values("question_id")
        .annotate(times=Count("id"))
    )
    for row in practice_rows:
        seen[row["question_id"]] += row["times"]
    return seen


def draw_paper(*, blueprint: Blueprint, seed: int, user=None) -> list[DrawnQuestion]:
    """The same seed, bank and history always give the same paper."""
    rng = random.Random(seed)
    seen = times_seen(user)
    sections = list(blueprint.sections.prefetch_related("categories").order_by("sort_order", "pk"))
    if not sections:
        raise DrawError(f"组卷规则“{blueprint.name}”还没有大题，无法抽题。")
    chosen: set[int] = set()
    picks: list[tuple[BlueprintSection, list[int]]] = []
    for section in sections:
        pool = list(
            Question.objects.filter(section_pool_filter(section))
            .exclude(pk__in=chosen)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if len(pool) < section.question_count:
            raise DrawError(
                f"大题“{section.title}”题目不足：需要 {section.question_count} 道，"
                f"符合条件的启用试题只有 {len(pool)} 道，还差 {section.question_count - len(pool)} 道。"
            )
        rng.shuffle(pool)
        pool.sort(key=lambda pk: seen[pk])  # stable: random order among equally seen questions
        picked = pool[: section.question_count]
        if not blueprint.shuffle_questions:
            picked.sort()
        chosen.update(picked)
        picks.append((section, picked))

    questions = Question.objects.select_related("category").in_bulk(
        [pk for _, picked in picks for pk in picked]
    )
    drawn = []
    for section, picked in picks:
        for pk in picked:
            question = questions[pk]
            order = list(range(len(question.options or [])))
            if blueprint.shuffle_options and question.type in (
                QuestionType.SINGLE,
                QuestionType.MULTIPLE,
            ):
                rng.shuffle(order)
            drawn.append(DrawnQuestion(len(drawn) + 1, section, question, order))
    return drawn


def snapshot(drawn: DrawnQuestion, attempt) -> AttemptQuestion:
    """Copy what is asked into the attempt, with the answer key in displayed option order."""
    question = drawn.question
    key = question.answer
    options = question.options or []
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        displayed_index = {original: shown for shown, original in enumerate(drawn.option_order)}
        options = [question.options[original] for original in drawn.option_order]
        key = sorted(displayed_index[i] for i in question.answer)
    return AttemptQuestion(
        attempt=attempt,
        position=drawn.position,
        section_title=drawn.section.title,
        question=question,
        type=question.type,
        stem=question.stem,
        options=options,
        answer_key=key,
        explanation=question.explanation,
        category_path=question.category.path if question.category_id else "",
        max_score=Decimal(drawn.section.score_per_question),
    )


def blank_count(stem: str) -> int:
    return stem.count(BLANK)
