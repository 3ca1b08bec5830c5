"""An applied import's record: the file's hash, the questions and materials it created and updated
(with what the updated ones said before, so an undo can put it back), and the undo itself."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ImportRecord(models.Model):
    batch = models.OneToOneField(
        "quizzes.QuestionImport",
        verbose_name="导入批次",
        on_delete=models.CASCADE,
        related_name="record",
    )
    sha256 = models.CharField("文件 SHA-256", max_length=64, blank=True)
    created_questions = models.ManyToManyField(
        "quizzes.Question", verbose_name="新建的试题", related_name="+", blank=True
    )
    updated_questions = models.ManyToManyField(
        "quizzes.Question", verbose_name="更新的试题", related_name="+", blank=True
    )
    created_materials = models.ManyToManyField(
        "quizzes.Material", verbose_name="新建的材料", related_name="+", blank=True
    )
    # The updated questions' content before this import: {pk: {field: value}}.
    previous = models.JSONField("更新前的内容", default=dict, blank=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the undo did: codes deleted, retired (drawn into papers) and restored.
    undo_report = models.JSONField("撤销记录", default=dict, blank=True)

    class Meta:
        verbose_name = "导入历史"
        verbose_name_plural = "导入历史"
        ordering = ["-batch__applied_at", "-pk"]
        constraints = [
            # Who undid an import is known only for an import that was undone.
            models.CheckConstraint(
                condition=Q(undone_by__isnull=True) | Q(undone_at__isnull=False),
                name="import_undone_by_needs_undone_at",
            ),
        ]

    def __str__(self) -> str:
        return self.batch.file_name

    @property
    def undone(self) -> bool:
        return self.undone_at is not None
