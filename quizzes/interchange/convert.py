"""Bank questions in the neutral shape every writer consumes (base.ParsedQuestion): the one
converter, for spreadsheets, Moodle XML and GIFT alike. A case-analysis sub-question carries its
material's code, text and title."""

from collections.abc import Iterable

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from ..bank.models import Question
from .base import ParsedQuestion


def parsed_from_question(question: Question) -> ParsedQuestion:
    """A bank question as a writer sees it; 来源 is the stated note, else the source file's name
    (a seeded question's 来源 is its source document)."""
    source_note = question.source_note or ""
    if not source_note and question.source_id:
        source_note = question.source.file_name
    try:
        path = question.category.path
    except ObjectDoesNotExist:  # an unsaved question without a category
        path = ""
    material = question.material if question.material_id else None
    return ParsedQuestion(
        type=question.type,
        stem=question.stem,
        options=[str(option) for option in question.options or []],
        answer=list(question.answer or []),
        explanation=question.explanation or "",
        category_path=path,
        knowledge_point=question.knowledge_point or "",
        difficulty=question.difficulty,
        score=question.default_score,
        source_note=source_note,
        title=question.code or "",
        material_key=material.code if material else "",
        material_text=material.text if material else "",
        material_title=material.title if material else "",
    )


def as_parsed(questions: Iterable) -> list[ParsedQuestion]:
    """Writers accept bank questions (a queryset or a list) or parsed ones alike."""
    if isinstance(questions, QuerySet):
        questions = questions.select_related("category", "source", "material").defer("source__text")
    return [
        question if isinstance(question, ParsedQuestion) else parsed_from_question(question)
        for question in questions
    ]
