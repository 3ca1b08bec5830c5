"""The knowledge base: source documents, rules (服务规范), Q&A items (知识问答) and cases (典型案例).

Every item derived from a source document stores that document and a verbatim quote of the passage
it came from (`quote`); the shown fields hold the cleaned, Simplified-Chinese text.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.search.cjk import index_tokens
from portal.thesaurus.keypoints import key_points_problems

from . import pages
from .blocks import CaseBodyBlock
from .choices import CaseKind, Category, Validity
from .choosers import rule_items_chooser
from .forms import CasePageForm, QAItemForm, RuleItemForm


class SourceDocument(models.Model):
    """One of the source texts shipped in fixtures/sources/, kept unchanged."""

    file_name = models.CharField("文件名", max_length=100, unique=True)
    title = models.CharField("标题", max_length=200)
    traditional = models.BooleanField("繁体原文", default=False)
    text = models.TextField("原文")

    class Meta:
        verbose_name = "来源文件"
        verbose_name_plural = "来源文件"
        ordering = ["file_name"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:source_detail", args=[self.file_name])

    @property
    def code(self) -> str:
        return self.file_name.split("_", 1)[0]


class SourcedMixin(models.Model):
    source = models.ForeignKey(
        SourceDocument, verbose_name="来源文件", on_delete=models.PROTECT, related_name="+"
    )
    quote = models.TextField("原文摘录", help_text="来源文件中的原文，逐字保留（空白可不同）")
    note = models.TextField(
        "编者按",
        blank=True,
        help_text="员工在看到本条的每个地方都能看到：显示的文字与原文不同的原因、与其他来源的冲突、"
        "原文有误或已不再适用等。",
    )
    validity = models.CharField(
        "是否有效",
        max_length=10,
        choices=Validity.choices,
        default=Validity.VALID,
        help_text="“有误”“不再适用”的条目仍保留并标明，由它生成的试题不再用于考试。",
    )

    class Meta:
        abstract = True

    @property
    def is_valid(self) -> bool:
        return self.validity == Validity.VALID


class RuleSet(index.Indexed, models.Model):
    class Kind(models.TextChoices):
        SERVICE = "service", "服务规范"
        REGULATION = "regulation", "法规条款"
        MANAGEMENT = "management", "管理制度"

    code = models.SlugField("编码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    issuer = models.CharField("发布单位", max_length=100, blank=True)
    version = models.CharField("版本", max_length=40, blank=True)
    effective_date = models.DateField("生效日期", null=True, blank=True)
    description = models.TextField("说明", blank=True)
    source = models.ForeignKey(
        SourceDocument, verbose_name="来源文件", on_delete=models.PROTECT, related_name="+"
    )
    quote = models.TextField("原文摘录", blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    search_fields = [index.SearchField("name"), index.FilterField("kind")]

    class Meta:
        verbose_name = "规范"
        verbose_name_plural = "规范"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）" if self.version else self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:rule_set", args=[self.code])


class RuleItem(index.Indexed, SourcedMixin):
    rule_set = models.ForeignKey(
        RuleSet, verbose_name="所属规范", on_delete=models.CASCADE, related_name="items"
    )
    key = models.CharField("条目键", max_length=20, help_text="在所属规范内唯一，用于引用")
    number = models.CharField("条号", max_length=40, blank=True)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("条文")
    category = models.CharField("分类", max_length=8, choices=Category.choices)
    supersedes = models.OneToOneField(
        "self",
        verbose_name="取代的旧条目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
        help_text="新版本条目生效后，旧条目保留，引用旧条目的案例仍指向旧版本。",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    base_form_class = RuleItemForm

    search_fields = [
        index.SearchField("title"),
        index.SearchField("text"),
        index.SearchField("search_tokens"),
        index.FilterField("category"),
        index.RelatedFields("rule_set", [index.SearchField("name")]),
    ]

    class Meta:
        verbose_name = "规范条目"
        verbose_name_plural = "规范条目"
        ordering = ["rule_set__sort_order", "rule_set__code", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "key"], name="unique_rule_key_per_set")
        ]

    def __str__(self) -> str:
        label = f"{self.number} " if self.number else ""
        return f"{self.rule_set.name} {label}{self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cases:rule_detail", args=[self.rule_set.code, self.key])

    @property
    def reference(self) -> str:
        return f"{self.rule_set.code}/{self.key}"

    def search_tokens(self) -> str:
        return index_tokens(f"{self.rule_set.name} {self.title} {self.text}")

    def clean(self) -> None:
        if self.supersedes_id and self.supersedes_id == self.pk:
            raise ValidationError({"supersedes": "条目不能取代它自己。"})


class QAItem(index.Indexed, SourcedMixin):
    code = models.SlugField("编码", max_length=60, unique=True)
    collection = models.CharField("题集", max_length=100)
    category = models.CharField("分类", max_length=8, choices=Category.choices)
    number = models.PositiveIntegerField("原题号", null=True, blank=True)
    question = models.TextField("问题")
    answer = models.TextField("答案")
    key_points = models.JSONField(
        "答题要点", default=list, help_text="简答题按要点评分：每个要点是答案中的一个短语"
    )
    related_rules = models.ManyToManyField(
        RuleItem, verbose_name="相关规范条目", blank=True, related_name="qa_items"
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    base_form_class = QAItemForm

    search_fields = [
        index.SearchField("question"),
        index.SearchField("answer"),
        index.SearchField("search_tokens"),
        index.FilterField("category"),
    ]

    class Meta:
        verbose_name = "知识问答"
        verbose_name_plural = "知识问答"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("cases:qa_detail", args=[self.code])

    def search_tokens(self) -> str:
        return index_tokens(f"{self.question} {self.answer}")

    def clean(self) -> None:
        problems = key_points_problems(self.key_points)
        if problems:
            raise ValidationError({"key_points": problems})


class CaseIndexPage(Page):
    intro = models.TextField("简介", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cases.CasePage"]
    max_count = 1

    class Meta:
        verbose_name = "案例库"
        verbose_name_plural = "案例库"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(
            pages.case_listing(
                cases=CasePage.objects.live(),
                kind=request.GET.get("kind", ""),
                category=request.GET.get("category", ""),
            )
        )
        return context


class CasePage(Page):
    Kind = CaseKind

    kind = models.CharField("案例性质", max_length=8, choices=Kind.choices)
    category = models.CharField("案例分类", max_length=8, choices=Category.choices)
    series = models.CharField("所属案例集", max_length=100, blank=True)
    number = models.CharField("案例编号", max_length=40, blank=True)
    incomplete = models.BooleanField(
        "原文不完整", default=False, help_text="来源文件在此案例中途截断，内容只保留原文已有部分"
    )
    source = models.ForeignKey(
        SourceDocument, verbose_name="来源文件", on_delete=models.PROTECT, related_name="+"
    )
    body = StreamField(CaseBodyBlock(), verbose_name="案例内容", use_json_field=True)
    related_rules = ParentalManyToManyField(
        RuleItem,
        verbose_name="相关规范条目",
        blank=True,
        related_name="cases",
        help_text="不良案例违反的条款（违规条款中的条目会自动加入），或优质案例体现的规范",
    )
    note = models.TextField(
        "编者按",
        blank=True,
        help_text="员工阅读案例时可见：与原文不同之处及原因、与其他来源的冲突等。",
    )
    search_text = models.TextField(editable=False, blank=True)

    base_form_class = CasePageForm
    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("category"),
                FieldPanel("series"),
                FieldPanel("number"),
                FieldPanel("incomplete"),
                FieldPanel("source"),
            ],
            heading="案例信息",
        ),
        FieldPanel("body"),
        FieldPanel("note"),
        FieldPanel("related_rules", widget=rule_items_chooser()),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("search_text"),
        index.SearchField("search_tokens"),
        index.FilterField("kind"),
        index.FilterField("category"),
    ]
    parent_page_types = ["cases.CaseIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "案例"
        verbose_name_plural = "案例"

    def section_text(self) -> str:
        parts = []
        for block in self.body:
            if block.block_type == "violations":
                parts.extend(clause["text"] for clause in block.value["clauses"])
            else:
                parts.append(block.value["text"])
        return "\n".join(parts)

    def search_tokens(self) -> str:
        return index_tokens(f"{self.title} {self.search_text}")

    def violated_rule_ids(self) -> set[int]:
        ids = set()
        for block in self.body:
            if block.block_type == "violations":
                ids.update(clause["rule"].pk for clause in block.value["clauses"] if clause["rule"])
        return ids

    def save(self, *args, **kwargs):
        self.search_text = self.section_text()
        # A clause listed under 违规条款 is always one of the case's rules, so its rule page lists it.
        missing = self.violated_rule_ids() - {rule.pk for rule in self.related_rules.all()}
        if missing:
            self.related_rules.add(*RuleItem.objects.filter(pk__in=missing))
        super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(pages.case_sections(self))
        return context
