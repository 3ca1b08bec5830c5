"""The bank's part in `verify_sources`: each seeded question's and case-analysis material's
verbatim quote, and how many imported questions have none."""

from collections.abc import Iterable

from cases.shown_text import quoted_passages
from cases.sourcing import StoredQuote

from .models import Material, Question


def question_quotes() -> Iterable[StoredQuote]:
    """Each seeded question's quote; and the passages its stem or explanation presents as the
    source's own words (原文“…”), which must be found in the quote or the source."""
    questions = Question.objects.exclude(quote="").exclude(source=None).select_related("source")
    fields = ("code", "quote", "note", "stem", "explanation", "source__file_name")
    for question in questions.only(*fields):
        yield StoredQuote(
            "试题",
            question.code,
            question.source.file_name,
            question.quote,
            passages=tuple(quoted_passages(question.stem, question.explanation)),
            note=question.note,
        )


def material_quotes() -> Iterable[StoredQuote]:
    materials = Material.objects.exclude(quote="").exclude(source=None).select_related("source")
    for material in materials.only("code", "quote", "source__file_name"):
        yield StoredQuote("案例分析材料", material.code, material.source.file_name, material.quote)


def imported_without_source() -> tuple[str, int]:
    """Questions imported from a file carry no source document and no quote to check."""
    count = Question.objects.filter(import_batch__isnull=False, source=None).count()
    return "导入题目（无来源文件）", count
