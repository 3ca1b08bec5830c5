"""ExamChange: an append-only log of every change to a published exam (its window, audience or
notice edited before anyone started; the window extended; the exam cancelled with a reason).
A cancelled exam is one with a cancel entry: its scores count for no month and nobody is marked
缺考 for it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class ExamChange(models.Model):
    class Kind(models.TextChoices):
        EDIT = "edit", "修改"
        EXTEND = "extend", "延长截止时间"
        CANCEL = "cancel", "取消考试"

    exam = models.ForeignKey(
        "quizzes.Exam", verbose_name="考试", on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    # [{"field": …, "label": …, "old": …, "new": …}], values as shown to people.
    changes = models.JSONField("变更内容", default=list)
    reason = models.CharField("原因", max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "考试变更"
        verbose_name_plural = "考试变更"
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam"], condition=Q(kind="cancel"), name="an_exam_is_cancelled_once"
            ),
            models.CheckConstraint(
                condition=~Q(kind="cancel") | ~Q(reason=""),
                name="a_cancellation_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("考试变更记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("考试变更记录不可删除。")

    @property
    def summary(self) -> str:
        return "；".join(
            f"{c['label']}：{c['old'] or '—'} → {c['new'] or '—'}" for c in self.changes
        )
