"""The bank's part in `verify_sources`: each seeded question's verbatim quote, and how many
imported questions have none."""

from collections.abc import Iterable

from cases.sourcing import StoredQuote

from .models import Question


def question_quotes() -> Iterable[StoredQuote]:
    questions = Question.objects.exclude(quote="").exclude(source=None).select_related("source")
    for question in questions.only("code", "quote", "source__file_name"):
        yield StoredQuote("试题", question.code, question.source.file_name, question.quote)


def imported_without_source() -> tuple[str, int]:
    """Questions imported from a file carry no source document and no quote to check."""
    count = Question.objects.filter(import_batch__isnull=False, source=None).count()
    return "导入题目（无来源文件）", count
