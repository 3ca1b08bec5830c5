"""The question and material lists' filters in the Wagtail admin."""

import django_filters
from wagtail.admin.filters import WagtailFilterSet

from cases.choices import CaseKind
from cases.models import SourceDocument

from ..analysis.selectors import SHORT_FLAG_LABELS, with_flag
from .choices import Difficulty, QuestionType, QuestionUsage
from .models import Material, Question, QuestionCategory

PART_CHOICES = [("alone", "单独的试题"), ("sub", "案例分析小题")]


class QuestionFilterSet(WagtailFilterSet):
    type = django_filters.ChoiceFilter(label="题型", choices=QuestionType.choices)
    category = django_filters.ModelChoiceFilter(
        label="分类（含下级）",
        queryset=QuestionCategory.objects.all(),
        method="filter_category",
    )
    difficulty = django_filters.ChoiceFilter(label="难度", choices=Difficulty.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=Question.Status.choices)
    usage = django_filters.ChoiceFilter(label="用途", choices=QuestionUsage.choices)
    source = django_filters.ModelChoiceFilter(
        label="来源文件", queryset=SourceDocument.objects.only("pk", "title", "file_name")
    )
    part = django_filters.ChoiceFilter(
        label="单独 / 案例分析", choices=PART_CHOICES, method="filter_part"
    )
    material = django_filters.ModelChoiceFilter(
        label="所属材料", queryset=Material.objects.only("pk", "code", "title")
    )
    flag = django_filters.ChoiceFilter(
        label="试题分析标记",
        choices=list(SHORT_FLAG_LABELS.items()),
        method="filter_flag",
        help_text="按最近一次试题统计的结果筛选",
    )

    class Meta:
        model = Question
        fields = [
            "type",
            "category",
            "difficulty",
            "status",
            "usage",
            "source",
            "part",
            "material",
            "flag",
        ]

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value)

    def filter_part(self, queryset, name, value):
        return queryset.filter(material__isnull=value != "sub")

    def filter_flag(self, queryset, name, value):
        return with_flag(queryset, flag=value)


class MaterialFilterSet(WagtailFilterSet):
    category = django_filters.ModelChoiceFilter(
        label="分类（含下级）",
        queryset=QuestionCategory.objects.all(),
        method="filter_category",
    )
    difficulty = django_filters.ChoiceFilter(label="难度", choices=Difficulty.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=Material.Status.choices)
    usage = django_filters.ChoiceFilter(label="用途", choices=QuestionUsage.choices)
    case_kind = django_filters.ChoiceFilter(
        label="案例性质", choices=CaseKind.choices, field_name="case__kind"
    )
    variants = django_filters.ChoiceFilter(
        label="变式",
        choices=[("yes", "只看变式"), ("no", "不含变式")],
        method="filter_variants",
    )

    class Meta:
        model = Material
        fields = ["category", "difficulty", "status", "usage", "case_kind", "variants"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(category__path__in=[value.path]) | queryset.filter(
            category__path__startswith=value.path + "/"
        )

    def filter_variants(self, queryset, name, value):
        return queryset.filter(variant_of__isnull=value != "yes")
