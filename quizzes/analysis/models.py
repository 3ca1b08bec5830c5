"""What item analysis stores: each statistics run (the background job's request and result), the
figures per question version it computed, and the log of what editors did from the report
(停用 with a reason, adopting the measured difficulty)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class StatsRun(models.Model):
    """One computation of question statistics: over one exam or every exam, from a month on."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "计算中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    exam = models.ForeignKey(
        "quizzes.Exam",
        verbose_name="考试",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="为空表示全部考试",
    )
    since = models.DateField("起始月份", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("发起时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    seconds = models.FloatField("用时（秒）", null=True, blank=True)
    attempts = models.PositiveIntegerField("答卷数", default=0)
    answers = models.PositiveIntegerField("作答数", default=0)
    # Per exam: {"exam_id", "title", "attempts", "mean", "sd", "median_minutes"}
    exams = models.JSONField("各场考试概况", default=list, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "试题统计"
        verbose_name_plural = "试题统计"
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"试题统计 #{self.pk}（{self.get_status_display()}）"


class ItemStatistic(models.Model):
    """The figures of one question version (its paper snapshots that agree on stem, options and
    key) in one run. Figures that need more answers than there are stay empty."""

    run = models.ForeignKey(StatsRun, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(
        "quizzes.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField("编码", max_length=80)
    version = models.PositiveSmallIntegerField("版本", default=1)
    versions = models.PositiveSmallIntegerField("版本数", default=1)
    type = models.CharField("题型", max_length=16)
    stem = models.TextField("题干（快照）")
    knowledge_point = models.CharField("知识点", max_length=100, blank=True)
    stated_difficulty = models.PositiveSmallIntegerField("标注难度", null=True, blank=True)
    measured_difficulty = models.PositiveSmallIntegerField("实测难度", null=True, blank=True)
    attempts = models.PositiveIntegerField("作答次数")
    facility = models.FloatField("难度系数（得分率）", null=True, blank=True)
    sd = models.FloatField("标准差", null=True, blank=True)
    discrimination = models.FloatField("区分度", null=True, blank=True)
    point_biserial = models.FloatField("点二列相关", null=True, blank=True)
    corrected_r = models.FloatField("校正题总相关", null=True, blank=True)
    median_seconds = models.FloatField("用时中位数（秒）", null=True, blank=True)
    # [{"text", "key": bool, "chosen": n, "share": 0–1}]
    options = models.JSONField("选项选择率", default=list, blank=True)
    # [{"point", "hits": n, "share": 0–1}]
    key_points = models.JSONField("要点命中率", default=list, blank=True)
    flags = models.JSONField("问题标记", default=list, blank=True)

    class Meta:
        verbose_name = "试题统计结果"
        verbose_name_plural = "试题统计结果"
        ordering = ["code", "version"]
        indexes = [models.Index(fields=["run", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(facility__isnull=True) | Q(facility__gte=0, facility__lte=1),
                name="item_facility_is_a_share",
            ),
            models.CheckConstraint(
                condition=Q(discrimination__isnull=True)
                | Q(discrimination__gte=-1, discrimination__lte=1),
                name="item_discrimination_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class EditorAction(models.Model):
    """Append-only log of what editors changed from the analysis: a question set to 停用 (with
    the reason) or its difficulty set to the measured level (with the evidence)."""

    class Kind(models.TextChoices):
        RETIRE = "retire", "停用"
        DIFFICULTY = "difficulty", "采用实测难度"

    question = models.ForeignKey(
        "quizzes.Question", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField("编码", max_length=80)
    kind = models.CharField("操作", max_length=12, choices=Kind.choices)
    old_value = models.CharField("原值", max_length=50, blank=True)
    new_value = models.CharField("新值", max_length=50, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "试题分析操作"
        verbose_name_plural = "试题分析操作"
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="retire") | ~Q(reason=""),
                name="analysis_retirement_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("操作记录不可修改。")
        super().save(*args, **kwargs)
