"""Blueprints (组卷规则), exams, and attempts with their drawn papers.

An attempt copies everything it asked (stem, options, answer key, score) into AttemptQuestion rows,
so editing or retiring a question later never changes a taken exam; the link back to the question
is kept only for statistics and review links and is cleared, not cascaded, if the question goes.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_save
from django.urls import reverse
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from cases.models import CasePage

from ..bank.choices import EXAM_USAGES, QuestionType
from ..bank.models import Material, Question, QuestionCategory
from ..fields import (
    CaseKindListField,
    DifficultyListField,
    QuestionTypeListField,
    QuestionUsageListField,
)
from . import status_cache


class ReviewVisibility(models.TextChoices):
    SCORE_ONLY = "score", "只显示总分"
    CORRECTNESS = "correctness", "显示每题对错"
    FULL = "full", "显示对错、正确答案和解析"


class AnswersShown(models.TextChoices):
    """When an exam's per-question results (对错, 正确答案, 解析) may be shown: the review policy."""

    AFTER_SUBMIT = "submit", "交卷后"
    AFTER_CLOSE = "close", "考试结束后"
    AFTER_MARKING = "marked", "阅卷完成后"
    NEVER = "never", "不显示"


class MultipleScoring(models.TextChoices):
    ALL_OR_NOTHING = "all", "全对才得分"
    PARTIAL = "partial", "少选按比例得分，错选不得分"


def default_exam_usages() -> list[str]:
    return [str(usage) for usage in EXAM_USAGES]


class Blueprint(ClusterableModel):
    """组卷规则: how to draw a paper, and the rules of sitting and reviewing it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        READY = "ready", "可用"

    name = models.CharField("名称", max_length=200)
    description = models.TextField("说明", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    pass_mark = models.DecimalField("及格分", max_digits=6, decimal_places=2, default=60)
    time_limit_minutes = models.PositiveIntegerField("答题时长（分钟）", default=60)
    shuffle_questions = models.BooleanField("题目乱序", default=True)
    shuffle_options = models.BooleanField("选项乱序", default=True)
    answers_shown = models.CharField(
        "默认公布答案时机",
        max_length=10,
        choices=AnswersShown.choices,
        default=AnswersShown.AFTER_SUBMIT,
        help_text="安排考试时的默认值；每场考试的公布时机在安排考试时确定。",
    )
    review_visibility = models.CharField(
        "交卷后可查看",
        max_length=12,
        choices=ReviewVisibility.choices,
        default=ReviewVisibility.FULL,
    )
    attempts_allowed = models.PositiveIntegerField(
        "允许作答次数", default=1, help_text="0 表示不限"
    )
    multiple_scoring = models.CharField(
        "多选题计分",
        max_length=10,
        choices=MultipleScoring.choices,
        default=MultipleScoring.ALL_OR_NOTHING,
    )
    question_usages = QuestionUsageListField(
        "抽取哪些用途的试题",
        default=default_exam_usages,
        blank=True,
        help_text="月度考试默认只抽“考试专用”和“通用”题；不选表示不限。",
    )
    pass_text = models.TextField("及格提示", blank=True, default="恭喜，考试合格！")
    fail_text = models.TextField(
        "不及格提示", blank=True, default="本次考试未合格，请复习错题后再接再厉。"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "组卷规则"
        verbose_name_plural = "组卷规则"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def total_score(self) -> Decimal:
        return sum(
            (
                section.question_count * section.score_per_question
                for section in self.sections.all()
            ),
            Decimal(0),
        )


class SectionKind(models.TextChoices):
    QUESTIONS = "questions", "试题"
    MATERIALS = "materials", "案例分析材料"


class BlueprintSection(ClusterableModel):
    """大题: N questions of given categories, types and difficulties at a score each, or (案例分析)
    N whole materials, each with all its sub-questions at their own scores."""

    Kind = SectionKind

    blueprint = ParentalKey(
        Blueprint, verbose_name="组卷规则", on_delete=models.CASCADE, related_name="sections"
    )
    title = models.CharField("大题名称", max_length=100)
    sort_order = models.PositiveIntegerField("顺序", default=0)
    kind = models.CharField(
        "抽取",
        max_length=10,
        choices=SectionKind.choices,
        default=SectionKind.QUESTIONS,
        help_text="案例分析大题整份抽取材料（材料连同全部小题）。",
    )
    question_count = models.PositiveIntegerField("抽题数量", help_text="案例分析大题填材料份数。")
    score_per_question = models.DecimalField(
        "每题分值",
        max_digits=5,
        decimal_places=2,
        help_text="案例分析大题填每份材料的总分：只抽小题分值合计等于此数的材料，"
        "每道小题按它自己的分值计分。",
    )
    categories = ParentalManyToManyField(
        QuestionCategory,
        verbose_name="分类（含下级）",
        blank=True,
        help_text="不选表示不限分类",
    )
    types = QuestionTypeListField(
        "题型", default=list, blank=True, help_text="不选表示不限题型；案例分析大题不看题型"
    )
    difficulties = DifficultyListField(
        "难度", default=list, blank=True, help_text="不选表示不限难度"
    )
    case_kinds = CaseKindListField(
        "案例性质",
        default=list,
        blank=True,
        help_text="只对案例分析大题有效：材料所依据的案例是不良事件还是优质服务；不选表示不限",
    )

    class Meta:
        verbose_name = "大题"
        verbose_name_plural = "大题"
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(question_count__gte=1, score_per_question__gt=0),
                name="section_draws_questions_worth_points",
                violation_error_message="每个大题至少抽 1 道题，每题分值必须大于 0。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def draws_materials(self) -> bool:
        return self.kind == SectionKind.MATERIALS


MONTHLY_POLICY_MESSAGE = (
    "计入月度考核的考试不能“交卷后”就公布答案：其他考生可能还在作答。"
    "请选择“考试结束后”“阅卷完成后”或“不显示”。"
)


class Exam(models.Model):
    """An exam staff can sit: a blueprint opened for a time window."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        CLOSED = "closed", "已结束"

    title = models.CharField("考试名称", max_length=200)
    blueprint = models.ForeignKey(
        Blueprint, verbose_name="组卷规则", on_delete=models.PROTECT, related_name="exams"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField("开始时间", null=True, blank=True)
    closes_at = models.DateTimeField("截止时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    # Monthly exams (月度考试): the month the score counts for, and who it is for.
    month = models.DateField(
        "考核月份", null=True, blank=True, help_text="该月 1 日；为空表示模拟考试，不计入月度考核"
    )
    audience_units = models.ManyToManyField(
        "organisation.Unit", verbose_name="参考单位（含下级）", blank=True, related_name="+"
    )
    audience_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="参考人员", blank=True, related_name="+"
    )
    makeup_of = models.ForeignKey(
        "self",
        verbose_name="补考对应的考试",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="makeups",
        help_text="补考只对原考试缺考或不及格的人员开放，成绩计入同一月份",
    )
    notice = models.TextField("考试通知", blank=True)
    time_limit_minutes = models.PositiveIntegerField(
        "答题时长（分钟）", null=True, blank=True, help_text="为空则按组卷规则"
    )
    attempts_allowed = models.PositiveIntegerField(
        "允许作答次数", null=True, blank=True, help_text="为空则按组卷规则；0 表示不限"
    )
    review_policy = models.CharField(
        "公布答案时机",
        max_length=10,
        choices=AnswersShown.choices,
        blank=True,
        help_text=(
            "何时向考生显示每题对错、正确答案和解析。“考试结束后”指所有考生（含补考和延时）"
            "都结束作答之后。留空则按组卷规则的默认值。"
        ),
    )

    class Meta:
        verbose_name = "考试"
        verbose_name_plural = "考试"
        ordering = ["-opens_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="exam_closes_after_it_opens",
                violation_error_message="截止时间必须晚于开始时间。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.review_policy:
            default = self.blueprint.answers_shown
            if self.month and default == AnswersShown.AFTER_SUBMIT:
                default = AnswersShown.AFTER_CLOSE  # a monthly exam never reveals keys early
            self.review_policy = default
        super().save(*args, **kwargs)

    @property
    def effective_time_limit(self) -> int:
        return self.time_limit_minutes or self.blueprint.time_limit_minutes

    @property
    def effective_attempts_allowed(self) -> int:
        if self.attempts_allowed is not None:
            return self.attempts_allowed
        return self.blueprint.attempts_allowed

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "截止时间必须晚于开始时间。"})
        if self.month and self.review_policy == AnswersShown.AFTER_SUBMIT:
            raise ValidationError({"review_policy": MONTHLY_POLICY_MESSAGE})


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "进行中"
        PENDING_REVIEW = "pending_review", "待阅卷"
        GRADED = "graded", "已出分"
        VOIDED = "voided", "已作废"

    public_id = models.UUIDField("编号", default=uuid.uuid4, unique=True, editable=False)
    exam = models.ForeignKey(
        Exam, verbose_name="考试", on_delete=models.PROTECT, related_name="attempts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="考生",
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    number = models.PositiveIntegerField("第几次作答", default=1)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.IN_PROGRESS
    )
    random_seed = models.BigIntegerField("随机种子")
    # The rules in force when the paper was drawn (pass mark, texts, review options, scoring).
    rules = models.JSONField("作答规则快照", default=dict)
    started_at = models.DateTimeField("开始时间")
    deadline_at = models.DateTimeField("截止时间")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    auto_submitted = models.BooleanField("超时自动交卷", default=False)
    score = models.DecimalField("得分", max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField("满分", max_digits=7, decimal_places=2, default=0)
    passed = models.BooleanField("是否及格", null=True, blank=True)
    question_count = models.PositiveIntegerField("题目数", default=0)
    extra_minutes = models.PositiveIntegerField("延长时间（分钟）", default=0)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)
    # When the attempt's graded answers went into the answer records and the wrong-answer book:
    # only once the review policy lets the person see them (quizzes/disclosure.py).
    results_released_at = models.DateTimeField("成绩明细入错题本时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "作答记录"
        verbose_name_plural = "作答记录"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "user", "number"], name="one_attempt_per_number"
            ),
            models.UniqueConstraint(
                fields=["exam", "user"],
                condition=Q(status="in_progress"),
                name="one_open_attempt_per_exam",
            ),
            models.CheckConstraint(
                condition=Q(max_score__gte=0)
                & (Q(score__isnull=True) | Q(score__gte=0, score__lte=F("max_score"))),
                name="attempt_score_within_full_marks",
                violation_error_message="得分必须在 0 与满分之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} · {self.user} · 第{self.number}次"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt", args=[self.public_id])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS


class AttemptMaterial(models.Model):
    """One case-analysis material of a drawn paper: its text, its editor's note and the links to
    its case page and rule items, copied; its sub-questions are the AttemptQuestions that point
    here (in their positions)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveIntegerField("材料序号")
    section_title = models.CharField("大题", max_length=100)
    material = models.ForeignKey(
        Material,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attempt_materials",
    )
    text = models.TextField("材料")
    note = models.TextField("编者按", blank=True)
    # [{"kind": "案例" | "规范", "title": …, "url": …}] as they were when the paper was drawn.
    links = models.JSONField("案例与规范链接", default=list, blank=True)
    case = models.ForeignKey(
        CasePage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "试卷材料"
        verbose_name_plural = "试卷材料"
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="unique_material_position_per_attempt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} 材料{self.position}"


class AttemptQuestion(models.Model):
    """One question of a drawn paper: a snapshot of what was asked, and the answer given."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField("题号")
    section_title = models.CharField("大题", max_length=100)
    # A case-analysis sub-question: the paper's copy of its material.
    material = models.ForeignKey(
        AttemptMaterial,
        verbose_name="所属材料",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="items",
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempt_questions"
    )
    type = models.CharField("题型", max_length=16, choices=QuestionType.choices)
    stem = models.TextField("题干")
    options = models.JSONField("选项（作答时顺序）", default=list)
    answer_key = models.JSONField("正确答案（作答时顺序）")
    explanation = models.TextField("解析", blank=True)
    category_path = models.CharField("分类", max_length=500, blank=True)
    max_score = models.DecimalField("分值", max_digits=5, decimal_places=2)
    response = models.JSONField("作答", null=True, blank=True)
    saved_at = models.DateTimeField("保存时间", null=True, blank=True)
    # The candidate's own "come back to this" mark on the answer card; kept with the answer so a
    # reload or another device shows it.
    flagged = models.BooleanField("标记", default=False)
    awarded = models.DecimalField("得分", max_digits=5, decimal_places=2, null=True, blank=True)
    is_correct = models.BooleanField("是否正确", null=True, blank=True)
    # Short answers: [{"point": …, "matched": bool, "accepted": bool | None, "comment": …}]
    marking = models.JSONField("要点评分", default=list, blank=True)
    blanks_unordered = models.BooleanField("各空不分顺序", default=False)
    marker_comment = models.TextField("阅卷评语", blank=True)
    marker_score = models.DecimalField(
        "阅卷给分",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="阅卷人直接给出的分数；为空时按要点计分",
    )
    needs_review = models.BooleanField("待人工阅卷", default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("阅卷时间", null=True, blank=True)

    class Meta:
        verbose_name = "试卷题目"
        verbose_name_plural = "试卷题目"
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="unique_position_per_attempt"
            ),
            models.CheckConstraint(
                condition=Q(max_score__gte=0)
                & (Q(awarded__isnull=True) | Q(awarded__gte=0, awarded__lte=F("max_score"))),
                name="question_awarded_within_its_score",
                violation_error_message="每题得分必须在 0 与该题分值之间。",
            ),
        ]
        indexes = [
            models.Index(
                fields=["needs_review"], condition=Q(needs_review=True), name="aq_needs_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"


class MarkingEvent(models.Model):
    """Append-only log of marking and re-marking (复核): who gave which score to which answer,
    from what, and why. Shown to markers, supervisors and HR beside the answer."""

    class Kind(models.TextChoices):
        MARK = "mark", "阅卷"
        REMARK = "remark", "复核"

    item = models.ForeignKey(
        AttemptQuestion, verbose_name="试卷题目", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="阅卷人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    old_awarded = models.DecimalField(
        "原得分", max_digits=5, decimal_places=2, null=True, blank=True
    )
    new_awarded = models.DecimalField("新得分", max_digits=5, decimal_places=2)
    reason = models.CharField("原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "阅卷记录"
        verbose_name_plural = "阅卷记录"
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="mark") | ~Q(reason=""),
                name="remark_states_a_reason",
                violation_error_message="复核必须写明原因。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_id}: {self.old_awarded} → {self.new_awarded}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("阅卷记录不可修改。")
        super().save(*args, **kwargs)


# An open paper's cached live status is forgotten when its attempt, its exam or the exam's change
# log is saved (extra time, a void, a submission, an edit, an extension, a cancellation).
post_save.connect(status_cache.attempt_saved, sender=Attempt, dispatch_uid="paper-status-attempt")
post_save.connect(status_cache.exam_saved, sender=Exam, dispatch_uid="paper-status-exam")
post_save.connect(
    status_cache.exam_change_saved,
    sender="exam_changes.ExamChange",
    dispatch_uid="paper-status-exam-change",
)
