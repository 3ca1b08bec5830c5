"""Monthly assessment (月度考核): schemes per unit, one record per person per month, the month's
workflow (open → submitted → locked) and an append-only audit log of every change."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from portal.organisation.models import StaffProfile, SubtreeQuerySet, Unit


def percent_or_empty(field: str) -> Q:
    """A database rule: the value is empty or on the 0–100 scale."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


# The items of 004's 月考核制度 that make the composite score: (field, label, unit shown after a
# value). 出勤率、工作差错率、投诉率、满意率、服务礼仪、每月一考 — named as the source names them.
COMPONENTS = [
    ("exam_score", "月度考试", "分"),
    ("attendance_rate", "出勤率", "%"),
    ("error_rate", "工作差错率", "%"),
    ("complaint_rate", "投诉率", "%"),
    ("satisfaction", "满意率", "%"),
    ("etiquette_score", "服务礼仪", "分"),
]
# What a supervisor enters: 投诉率 is complaints over the contacts handled (服务客户数), both
# entered, the rate computed (assessment.scoring.complaint_rate).
ENTERED_COMPONENTS = [
    "attendance_rate",
    "error_rate",
    "complaints",
    "contacts",
    "satisfaction",
    "etiquette_score",
]
ENTERED_LABELS = {
    "attendance_rate": "出勤率",
    "error_rate": "工作差错率",
    "complaints": "投诉次数",
    "contacts": "服务客户数",
    "satisfaction": "满意率",
    "etiquette_score": "服务礼仪",
}
EXAMPLE_NOTE = "示例（原文未规定权重）"


def default_grade_bands() -> list[dict]:
    return [
        {"name": "优秀", "min": 90, "coefficient": "1.2"},
        {"name": "良好", "min": 80, "coefficient": "1.0"},
        {"name": "合格", "min": 60, "coefficient": "0.8"},
        {"name": "不合格", "min": 0, "coefficient": "0.5"},
    ]


class AssessmentScheme(models.Model):
    """How a unit (and every unit below it without its own scheme) turns components into a grade."""

    unit = models.OneToOneField(
        Unit, verbose_name="适用单位", on_delete=models.PROTECT, related_name="assessment_scheme"
    )
    name = models.CharField("方案名称", max_length=100)
    weights_are_examples = models.BooleanField(
        "权重为示例（原文未规定权重）",
        default=True,
        help_text=(
            "004《月考核制度》只列出考核项目（出勤率、工作差错率、投诉率、满意率、服务礼仪、"
            "每月一考），没有规定权重、扣分和等级。本单位正式发文规定后再取消勾选；勾选时，"
            "录入页、汇总页和导出文件都标明“示例（原文未规定权重）”。"
        ),
    )
    exam_weight = models.DecimalField("月度考试权重", max_digits=5, decimal_places=2, default=30)
    attendance_weight = models.DecimalField(
        "出勤率权重", max_digits=5, decimal_places=2, default=15
    )
    error_rate_weight = models.DecimalField(
        "工作差错率权重", max_digits=5, decimal_places=2, default=15
    )
    complaints_weight = models.DecimalField(
        "投诉率权重", max_digits=5, decimal_places=2, default=15
    )
    satisfaction_weight = models.DecimalField(
        "满意率权重", max_digits=5, decimal_places=2, default=15
    )
    etiquette_weight = models.DecimalField(
        "服务礼仪权重", max_digits=5, decimal_places=2, default=10
    )
    error_penalty = models.DecimalField(
        "工作差错率每1%扣分",
        max_digits=5,
        decimal_places=2,
        default=10,
        help_text="工作差错率折算为百分制：100 − 差错率 × 该值，最低 0 分",
    )
    complaint_penalty = models.DecimalField(
        "投诉率每1%扣分",
        max_digits=5,
        decimal_places=2,
        default=20,
        help_text="投诉率（投诉次数 ÷ 服务客户数）折算为百分制：100 − 投诉率 × 该值，最低 0 分",
    )
    missed_exam_score = models.DecimalField(
        "缺考计分",
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text="缺考时月度考试按此分（百分制）计",
    )
    grade_bands = models.JSONField(
        "等级划分",
        default=default_grade_bands,
        help_text="从高到低：名称、最低综合分、奖金系数（可空）",
    )

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    exam_weight__gte=0,
                    attendance_weight__gte=0,
                    error_rate_weight__gte=0,
                    complaints_weight__gte=0,
                    satisfaction_weight__gte=0,
                    etiquette_weight__gte=0,
                    error_penalty__gte=0,
                    complaint_penalty__gte=0,
                    missed_exam_score__gte=0,
                    missed_exam_score__lte=100,
                ),
                name="scheme_values_in_range",
                violation_error_message="权重和扣分不能为负数，缺考计分应在 0–100 之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    def weights(self) -> dict[str, Decimal]:
        return {
            "exam_score": self.exam_weight,
            "attendance_rate": self.attendance_weight,
            "error_rate": self.error_rate_weight,
            "complaint_rate": self.complaints_weight,
            "satisfaction": self.satisfaction_weight,
            "etiquette_score": self.etiquette_weight,
        }

    @property
    def note(self) -> str:
        """What pages and exports print beside the scheme's numbers."""
        return EXAMPLE_NOTE if self.weights_are_examples else ""

    def clean(self) -> None:
        from .scoring import validate_bands

        total = sum(self.weights().values(), Decimal(0))
        if total != 100:
            raise ValidationError(f"各项权重之和必须为 100，现在是 {total}。")
        problems = validate_bands(self.grade_bands)
        if problems:
            raise ValidationError({"grade_bands": problems})


class AssessmentMonth(models.Model):
    """The state of one unit's month: 填报中 → 已提交 (supervisor) → 已锁定 (HR)."""

    class Status(models.TextChoices):
        OPEN = "open", "填报中"
        SUBMITTED = "submitted", "已提交"
        LOCKED = "locked", "已锁定"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("月份", help_text="该月 1 日")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)

    class Meta:
        verbose_name = "考核月份"
        verbose_name_plural = "考核月份"
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="one_month_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y年%m月} {self.get_status_display()}"


class AssessmentRecord(models.Model):
    class ExamState(models.TextChoices):
        NOT_SCHEDULED = "none", "无考试"
        PENDING = "pending", "未出分"
        GRADED = "graded", "已出分"
        MISSED = "missed", "缺考"

    profile = models.ForeignKey(
        StaffProfile,
        verbose_name="员工",
        on_delete=models.PROTECT,
        related_name="assessment_records",
    )
    month = models.DateField("月份", help_text="该月 1 日")
    unit = models.ForeignKey(
        Unit, verbose_name="考核时所在单位", on_delete=models.PROTECT, related_name="+"
    )
    exam_state = models.CharField(
        "考试状态", max_length=10, choices=ExamState.choices, default=ExamState.NOT_SCHEDULED
    )
    exam_score = models.DecimalField(
        "月度考试（百分制）", max_digits=6, decimal_places=2, null=True, blank=True
    )
    attendance_rate = models.DecimalField(
        "出勤率（%）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    error_rate = models.DecimalField(
        "工作差错率（%）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    complaints = models.PositiveIntegerField("投诉次数", null=True, blank=True)
    contacts = models.PositiveIntegerField(
        "服务客户数", null=True, blank=True, help_text="当月受理、服务的客户次数（投诉率的分母）"
    )
    complaint_rate = models.DecimalField(
        "投诉率（%）",
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="投诉次数 ÷ 服务客户数 × 100，由系统计算",
    )
    satisfaction = models.DecimalField(
        "满意率（%）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    etiquette_score = models.DecimalField(
        "服务礼仪（分）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    composite = models.DecimalField(
        "综合得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField("等级", max_length=20, blank=True)
    bonus_coefficient = models.DecimalField(
        "奖金系数", max_digits=4, decimal_places=2, null=True, blank=True
    )
    # 服务明星: elected by the team (民主选举) at the start of the next month, recorded by the
    # supervisor with the votes or a note (004, 月考核制度).
    service_star = models.BooleanField("服务明星", default=False)
    star_votes = models.PositiveIntegerField("得票数", null=True, blank=True)
    star_note = models.CharField("评选说明", max_length=200, blank=True)
    # Optimistic locking: an edit based on an older version is refused instead of overwriting.
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = SubtreeQuerySet.as_manager()  # in_unit(unit): assessed in the unit or below it

    class Meta:
        verbose_name = "月度考核记录"
        verbose_name_plural = "月度考核记录"
        ordering = ["-month", "unit__path", "profile__employee_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "month"], name="one_record_per_person_month"
            ),
            models.CheckConstraint(
                condition=percent_or_empty("exam_score")
                & percent_or_empty("attendance_rate")
                & percent_or_empty("error_rate")
                & (Q(complaints__isnull=True) | Q(complaints__lte=999))
                & (
                    Q(complaint_rate__isnull=True)
                    | Q(complaint_rate__gte=0, complaint_rate__lte=100)
                )
                & percent_or_empty("satisfaction")
                & percent_or_empty("etiquette_score")
                & percent_or_empty("composite")
                & (Q(bonus_coefficient__isnull=True) | Q(bonus_coefficient__gte=0)),
                name="record_components_in_range",
                violation_error_message="考核各项应在允许范围内（百分制 0–100，投诉 0–999 次）。",
            ),
            models.CheckConstraint(
                condition=Q(service_star=True) | Q(star_votes__isnull=True, star_note=""),
                name="only_a_star_has_votes",
            ),
        ]
        indexes = [models.Index(fields=["month", "unit"])]

    def __str__(self) -> str:
        return f"{self.profile} {self.month:%Y-%m}"


class AuditEntry(models.Model):
    """Append-only: who changed which value of which record, when, from what to what, and why."""

    record = models.ForeignKey(
        AssessmentRecord,
        verbose_name="考核记录",
        on_delete=models.PROTECT,
        related_name="audit_entries",
        null=True,
        blank=True,
    )
    month_state = models.ForeignKey(
        AssessmentMonth,
        verbose_name="考核月份",
        on_delete=models.PROTECT,
        related_name="audit_entries",
        null=True,
        blank=True,
    )
    field = models.CharField("项目", max_length=40)
    old_value = models.CharField("原值", max_length=100, blank=True)
    new_value = models.CharField("新值", max_length=100, blank=True)
    reason = models.CharField("原因", max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空表示由系统任务所致，见“任务”",
    )
    changed_by_job = models.CharField(
        "任务",
        max_length=100,
        blank=True,
        help_text="没有操作人时，造成这次变更的系统任务（如“超时自动交卷”）",
    )
    changed_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["-changed_at", "-pk"]
        constraints = [
            # Every change names who or what made it.
            models.CheckConstraint(
                condition=Q(changed_by__isnull=False) | ~Q(changed_by_job=""),
                name="audit_entry_names_its_cause",
            ),
            # An entry is about one record's value or one unit's month, never both or neither.
            models.CheckConstraint(
                condition=Q(record__isnull=False, month_state__isnull=True)
                | Q(record__isnull=True, month_state__isnull=False),
                name="audit_entry_has_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("变更记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("变更记录不可删除。")

    @property
    def cause(self) -> str:
        """Who or what made the change, as shown in lists."""
        if self.changed_by_id is None:
            return f"系统：{self.changed_by_job}"
        profile = getattr(self.changed_by, "staff_profile", None)
        name = profile.name if profile else self.changed_by.get_username()
        return f"{name}（{self.changed_by_job}）" if self.changed_by_job else name


class HeldScoreChange(models.Model):
    """An automatic exam score that arrived for a month already submitted or locked.

    It is not applied: scores change only through an open month. HR (or the supervisor) decides:
    apply it once the month is open again, or dismiss it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        APPLIED = "applied", "已采用"
        DISMISSED = "dismissed", "不采用"
        SUPERSEDED = "superseded", "已由后续计分取代"

    record = models.ForeignKey(
        AssessmentRecord,
        verbose_name="考核记录",
        on_delete=models.PROTECT,
        related_name="held_changes",
    )
    month_status = models.CharField("当时月份状态", max_length=10)
    exam_state = models.CharField(
        "拟改考试状态", max_length=10, choices=AssessmentRecord.ExamState.choices
    )
    exam_score = models.DecimalField(
        "拟改月度考试得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    reason = models.CharField("原因", max_length=300)
    caused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    caused_by_job = models.CharField("任务", max_length=100, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    status = models.CharField("处理状态", max_length=12, choices=Status.choices, default="pending")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.CharField("处理说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "待处理成绩变更"
        verbose_name_plural = "待处理成绩变更"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(caused_by__isnull=False) | ~Q(caused_by_job=""),
                name="held_change_names_its_cause",
            ),
            models.CheckConstraint(
                condition=percent_or_empty("exam_score"),
                name="held_change_score_in_range",
            ),
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status="pending"),
                name="one_pending_change_per_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record} {self.get_status_display()}"
