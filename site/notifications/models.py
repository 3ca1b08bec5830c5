"""站内通知: an event to announce (the outbox, written in the transaction that caused it) and the
notices it gives each recipient, one per person and event."""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    EXAM_PUBLISHED = "exam_published", "新考试"
    EXAM_DUE = "exam_due", "考试即将截止"
    EXAM_CHANGED = "exam_changed", "考试变更"
    EXAM_CANCELLED = "exam_cancelled", "考试取消"
    EXTRA_TIME = "extra_time", "延长时间"
    RESULT_RELEASED = "result_released", "成绩公布"
    REMARKED = "remarked", "复核"
    NOT_STARTED = "not_started", "未开考提醒"
    TO_MARK = "to_mark", "待阅卷"
    MONTH_SUBMITTED = "month_submitted", "考核已提交"
    MONTH_REOPENED = "month_reopened", "考核重新开放"
    LATE_SCORE = "late_score", "提交后变更"
    RESULT_CHANGED = "result_changed", "成绩变更"


class Event(models.Model):
    """Something to announce to a list of people. Written where it happens (or by the reminder
    scan); a background task delivers it. The key names the event: announcing the same event
    twice is one event, so a scan that runs again, or a worker that resumes, adds nothing."""

    key = models.CharField("事件", max_length=160, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    recipient_ids = models.JSONField("接收人", default=list)
    # "app_label.Model:pk" of what the event is about: deleted by delivery time → skipped.
    subject = models.CharField("对象", max_length=100, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    skipped = models.CharField("未送达原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "通知事件"
        verbose_name_plural = "通知事件"
        indexes = [models.Index(fields=["delivered_at", "created_at"])]

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    """One notice for one person: shown under the bell until read; e-mailed at most once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        Event, verbose_name="事件", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="one_notice_per_person_and_event"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.title}"
