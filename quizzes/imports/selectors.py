"""Reading the import history."""

from django.db.models import QuerySet

from ..bank.models import Question
from .models import ImportRecord


def import_records() -> QuerySet[ImportRecord]:
    """Every applied import, newest first, with who imported and undid it."""
    return ImportRecord.objects.select_related("batch", "batch__created_by", "undone_by")


def record_questions(*, record: ImportRecord) -> dict[str, list[Question]]:
    """The questions the import created and updated (those still in the bank)."""
    fields = ("category",)
    return {
        "created": list(record.created_questions.select_related(*fields).order_by("code")),
        "updated": list(record.updated_questions.select_related(*fields).order_by("code")),
    }
