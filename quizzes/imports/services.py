"""Writing the import history: the record made with an import (in its transaction) and the undo.

An undo deletes what the import created unless a paper or an answer holds it (then it is set to
停用 with a reason), and puts the questions it updated back as they were before it."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..bank.models import Material, Question, QuestionImport
from ..bank.selectors import material_delete_problem, question_delete_problem
from .models import ImportRecord

logger = logging.getLogger(__name__)

# The content fields an import writes on update, and so what an undo restores.
RESTORED_FIELDS = (
    "type",
    "stem",
    "options",
    "answer",
    "explanation",
    "knowledge_point",
    "difficulty",
    "default_score",
    "source_note",
)
UNDO_REASON = "导入批次 {batch} 已撤销：该题已被抽入试卷或已有作答，不删除，改为停用。"


class UndoRefused(Exception):
    """The batch cannot be undone (already undone, or not an applied import)."""


def snapshot(questions: list[Question]) -> dict[str, dict]:
    """What these questions say now, for an undo to restore (JSON-safe)."""
    return {
        str(question.pk): {
            name: str(value) if isinstance(value, Decimal) else value
            for name, value in ((name, getattr(question, name)) for name in RESTORED_FIELDS)
        }
        for question in questions
    }


def record_import(
    *,
    batch: QuestionImport,
    sha256: str,
    created: list[Question],
    updated: list[Question],
    created_materials: list[Material],
    previous: dict[str, dict],
) -> ImportRecord:
    """The history record of an applied import (call inside the import's transaction)."""
    record = ImportRecord.objects.create(batch=batch, sha256=sha256, previous=previous)
    # One INSERT per non-empty link table, however many questions.
    links = (
        (ImportRecord.created_questions.through, "question_id", created),
        (ImportRecord.updated_questions.through, "question_id", updated),
        (ImportRecord.created_materials.through, "material_id", created_materials),
    )
    for through, column, objects in links:
        if objects:
            through.objects.bulk_create(
                [through(importrecord_id=record.pk, **{column: obj.pk}) for obj in objects],
                batch_size=500,
            )
    return record


def _remove_questions(questions: list[Question], reason: str) -> tuple[list[str], list[str]]:
    deleted, retired = [], []
    for question in questions:
        if question_delete_problem(question):
            retired.append(question.code)
        else:
            deleted.append(question.code)
    Question.objects.filter(code__in=retired).update(
        status=Question.Status.RETIRED, retire_reason=reason[:200], updated_at=timezone.now()
    )
    Question.objects.filter(code__in=deleted).delete()
    return deleted, retired


def _remove_materials(materials: list[Material]) -> tuple[list[str], list[str]]:
    deleted, retired = [], []
    for material in materials:
        (retired if material_delete_problem(material) else deleted).append(material.code)
    Material.objects.filter(code__in=retired).update(status=Question.Status.RETIRED)
    Question.objects.filter(material__code__in=retired).update(status=Question.Status.RETIRED)
    Material.objects.filter(code__in=deleted).delete()
    return deleted, retired


def _restore(record: ImportRecord) -> list[str]:
    questions = list(record.updated_questions.all())
    for question in questions:
        before = record.previous.get(str(question.pk))
        if before is None:
            continue
        for name, value in before.items():
            setattr(question, name, Decimal(value) if name == "default_score" else value)
    Question.objects.bulk_update(questions, list(RESTORED_FIELDS))
    return sorted(question.code for question in questions)


def undo_import(*, record: ImportRecord, by) -> ImportRecord:
    """Undo an applied import, once; what was done is kept in the record and logged."""
    with transaction.atomic():
        locked = ImportRecord.objects.select_for_update().get(pk=record.pk)
        if locked.undone_at is not None:
            raise UndoRefused("这个导入批次已经撤销过了。")
        reason = UNDO_REASON.format(batch=locked.batch.file_name)
        material_ids = set(locked.created_materials.values_list("pk", flat=True))
        # A created material's sub-questions go with their material.
        questions = list(locked.created_questions.exclude(material_id__in=material_ids))
        deleted, retired = _remove_questions(questions, reason)
        materials_deleted, materials_retired = _remove_materials(
            list(locked.created_materials.all())
        )
        restored = _restore(locked)
        locked.undone_at = timezone.now()
        locked.undone_by = by if getattr(by, "pk", None) else None
        locked.undo_report = {
            "deleted": deleted,
            "retired": retired,
            "materials_deleted": materials_deleted,
            "materials_retired": materials_retired,
            "restored": restored,
        }
        locked.save(update_fields=["undone_at", "undone_by", "undo_report"])
    logger.info(
        "import %s (%s) undone by %s: deleted %s, retired %s, restored %s",
        locked.batch_id,
        locked.batch.file_name,
        getattr(by, "username", "-"),
        len(deleted),
        len(retired),
        len(restored),
    )
    return locked
