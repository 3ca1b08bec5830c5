"""Questions of the bank in the neutral shape every writer consumes (base.ParsedQuestion)."""

from collections.abc import Iterable

from ..bank.models import Question
from .base import ParsedQuestion


def parsed_from_question(question: Question) -> ParsedQuestion:
    """A bank question as a writer sees it; 来源 is the stated note, else the source file's name."""
    source_note = question.source_note
    if not source_note and question.source_id:
        source_note = question.source.file_name
    return ParsedQuestion(
        type=question.type,
        stem=question.stem,
        options=list(question.options or []),
        answer=list(question.answer or []),
        explanation=question.explanation,
        category_path=question.category.path,
        knowledge_point=question.knowledge_point,
        difficulty=question.difficulty,
        score=question.default_score,
        source_note=source_note,
        title=question.code,
    )


def as_parsed(questions: Iterable) -> list[ParsedQuestion]:
    """Writers accept bank questions or parsed ones alike."""
    return [
        question if isinstance(question, ParsedQuestion) else parsed_from_question(question)
        for question in questions
    ]
