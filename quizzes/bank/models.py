"""The question bank: categories (a tree), questions, case-analysis materials (a scenario whose
sub-questions are questions), exclusion groups of twin questions, and the import batches."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.search import index

from cases.models import CasePage, QAItem, RuleItem, SourceDocument
from portal.search.cjk import index_tokens

from .answers import validate_answer_key
from .choices import Difficulty, QuestionType, QuestionUsage


def in_category_condition(path: str, field: str = "path") -> Q:
    """`field` (a category path) is this category or one of its subcategories."""
    return Q(**{field: path}) | Q(**{f"{field}__startswith": path + "/"})


class CategoryQuerySet(models.QuerySet):
    def in_category(self, category: "QuestionCategory"):
        """The category and all its subcategories."""
        return self.filter(in_category_condition(category.path))

    def below(self, path: str):
        """The subcategories (at any depth) of the category at `path`, not the category itself."""
        return self.filter(path__startswith=path + "/")


class QuestionCategory(models.Model):
    """题库分类: a tree (imported Moodle categories keep their nesting); `path` is "a/b/c"."""

    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("完整路径", max_length=500, unique=True, editable=False)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = "题库分类"
        verbose_name_plural = "题库分类"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = f"{self.parent.path}/{self.name}" if self.parent_id else self.name
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # A rename or move carries the whole subtree with it, in one UPDATE.
                QuestionCategory.objects.below(old_path).update(
                    path=Concat(
                        Value(self.path),
                        Substr("path", len(old_path) + 1),
                        output_field=models.CharField(),
                    )
                )

    @classmethod
    def for_path(cls, path: str) -> "QuestionCategory":
        parent = None
        for name in [part.strip() for part in path.split("/") if part.strip()]:
            parent, _ = cls.objects.get_or_create(
                path=f"{parent.path}/{name}" if parent else name,
                defaults={"name": name, "parent": parent},
            )
        if parent is None:
            raise ValueError("分类路径不能为空")
        return parent


def new_import_token() -> str:
    return secrets.token_urlsafe(32)


class QuestionImport(models.Model):
    """One question-file import (批次). Between the preview and the editor's confirmation the
    uploaded bytes wait here, in the database, so any app server can finish the import; they are
    cleared once it is applied."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        APPLIED = "applied", "已导入"

    token = models.CharField(
        "确认令牌", max_length=64, unique=True, default=new_import_token, editable=False
    )
    file_name = models.CharField("文件名", max_length=255)
    format = models.CharField("格式", max_length=16)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)
    options = models.JSONField("导入选项", default=dict, blank=True)
    data = models.BinaryField("待确认的文件内容", default=b"", blank=True, editable=False)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变", default=0)
    skipped_count = models.PositiveIntegerField("跳过", default=0)
    report = models.JSONField("导入报告", default=dict, blank=True)

    class Meta:
        verbose_name = "试题导入记录"
        verbose_name_plural = "试题导入记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"


class QuestionQuerySet(models.QuerySet):
    def in_category(self, category: "QuestionCategory"):
        """Questions of the category and all its subcategories."""
        return self.filter(in_category_condition(category.path, "category__path"))


class Question(index.Indexed, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ACTIVE = "active", "启用"
        RETIRED = "retired", "停用"

    code = models.SlugField("编码", max_length=80, unique=True)
    type = models.CharField("题型", max_length=16, choices=QuestionType.choices)
    stem = models.TextField("题干")
    options = models.JSONField("选项", default=list, blank=True, help_text="单选、多选题的选项文字")
    # single: [index]; multiple: [indices]; truefalse: [true|false];
    # fill: [[alternatives of blank 1], …]; short: [key points]
    answer = models.JSONField("正确答案")
    explanation = models.TextField("解析", blank=True)
    category = models.ForeignKey(
        QuestionCategory, verbose_name="分类", on_delete=models.PROTECT, related_name="questions"
    )
    knowledge_point = models.CharField("知识点", max_length=100, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        "难度", choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    default_score = models.DecimalField("默认分值", max_digits=5, decimal_places=2, default=1)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    usage = models.CharField(
        "用途",
        max_length=10,
        choices=QuestionUsage.choices,
        default=QuestionUsage.BOTH,
        help_text="练习题只在练习中出现；考试专用题只进考试、从不在练习中出现；通用题两处都可用。",
    )
    rules = models.ManyToManyField(
        RuleItem, verbose_name="相关规范条目", blank=True, related_name="questions"
    )
    qa_items = models.ManyToManyField(
        QAItem, verbose_name="相关知识问答", blank=True, related_name="questions"
    )
    cases = models.ManyToManyField(
        CasePage, verbose_name="相关案例", blank=True, related_name="questions"
    )
    source = models.ForeignKey(
        SourceDocument,
        verbose_name="来源文件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quote = models.TextField("原文摘录", blank=True)
    # Imported questions: the batch that created them and the 来源 the file stated (free text).
    import_batch = models.ForeignKey(
        QuestionImport,
        verbose_name="导入批次",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        editable=False,
    )
    source_note = models.CharField("来源说明", max_length=200, blank=True)
    note = models.TextField(
        "编者按",
        blank=True,
        help_text="考生在练习反馈和成绩回顾中可见：题目与原文不同之处、来源冲突等。",
    )
    retire_reason = models.CharField("停用原因", max_length=200, blank=True)
    blanks_unordered = models.BooleanField(
        "各空不分顺序",
        default=False,
        help_text="填空题：几个空的答案可以任意顺序填写（如“设计、施工”）。",
    )
    # A case-analysis sub-question belongs to its material, in order; it is never drawn or
    # practised on its own (see Material).
    material = ParentalKey(
        "Material",
        verbose_name="所属案例分析材料",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subquestions",
    )
    material_order = models.PositiveSmallIntegerField("小题序号", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = QuestionQuerySet.as_manager()
    # The material editor's inline orders the sub-questions by this field (modelcluster).
    sort_order_field = "material_order"

    search_fields = [
        index.SearchField("stem"),
        index.SearchField("search_tokens"),
        index.FilterField("type"),
        index.FilterField("status"),
        index.FilterField("difficulty"),
        index.FilterField("category_id"),
    ]

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "试题"
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "category", "type", "difficulty"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_score__gt=0),
                name="question_score_positive",
                violation_error_message="默认分值必须大于 0。",
            ),
            models.CheckConstraint(
                condition=Q(material__isnull=True, material_order__isnull=True)
                | Q(material__isnull=False, material_order__isnull=False),
                name="subquestion_has_an_order",
                violation_error_message="案例分析小题必须有小题序号，单独的试题不能有。",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.get_type_display()}] {self.stem[:40]}"

    def search_tokens(self) -> str:
        return index_tokens(f"{self.stem} {' '.join(map(str, self.options or []))}")

    def clean(self) -> None:
        errors = validate_answer_key(self.type, self.options, self.answer, self.stem)
        if errors:
            raise ValidationError({"answer": errors})


class Material(ClusterableModel):
    """案例分析材料: an anonymised scenario written from a case, with 2–6 sub-questions.

    The sub-questions are ordinary questions (each with its own score, key, explanation and key
    points) that point here with their order. A paper, a practice page and a review show the
    material and its sub-questions as one unit; a sub-question never stands alone in a blueprint's
    question section or a practice scope.
    """

    Status = Question.Status

    code = models.SlugField("编码", max_length=80, unique=True)
    title = models.CharField(
        "标题", max_length=100, help_text="编辑列表中用的中性标签，不写案例标题（考生看不到）。"
    )
    text = models.TextField(
        "材料", help_text="约 150–600 字的情境，已匿名：不写案例标题、人名、地名和单位名。"
    )
    case = models.ForeignKey(
        CasePage,
        verbose_name="所依据的案例",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="materials",
    )
    rules = models.ManyToManyField(
        RuleItem, verbose_name="相关规范条目", blank=True, related_name="materials"
    )
    category = models.ForeignKey(
        QuestionCategory, verbose_name="分类", on_delete=models.PROTECT, related_name="materials"
    )
    knowledge_point = models.CharField("知识点", max_length=100, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        "难度", choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    status = models.CharField(
        "状态", max_length=10, choices=Question.Status.choices, default=Question.Status.ACTIVE
    )
    usage = models.CharField(
        "用途",
        max_length=10,
        choices=QuestionUsage.choices,
        default=QuestionUsage.BOTH,
        help_text="练习材料只在案例练习中出现；考试专用材料只进考试；通用材料两处都可用。",
    )
    variant_of = models.ForeignKey(
        "self",
        verbose_name="变式自",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variants",
        help_text="变式材料改动原材料的一个事实，使另一条款或另一种处理方式适用。",
    )
    note = models.TextField(
        "编者按",
        blank=True,
        help_text="考生在练习反馈和成绩回顾中可见；变式材料写明改了什么、为什么。",
    )
    source = models.ForeignKey(
        SourceDocument,
        verbose_name="来源文件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quote = models.TextField("原文摘录", blank=True)
    import_batch = models.ForeignKey(
        QuestionImport,
        verbose_name="导入批次",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="materials",
        editable=False,
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "案例分析材料"
        verbose_name_plural = "案例分析材料"
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "category", "difficulty"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(variant_of=F("pk")),
                name="material_not_its_own_variant",
                violation_error_message="材料不能是它自己的变式。",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="material_has_text",
                violation_error_message="材料文字不能为空。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ExclusionGroup(models.Model):
    """互斥组: questions that ask the same fact (or where one states another's key). One paper
    never holds two questions of a group, a material's sub-questions included."""

    code = models.SlugField("编码", max_length=80, unique=True)
    name = models.CharField("名称", max_length=200)
    questions = models.ManyToManyField(
        Question, verbose_name="试题", blank=True, related_name="exclusion_groups"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "互斥组"
        verbose_name_plural = "互斥组"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
