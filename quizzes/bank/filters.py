"""The question list's filters in the Wagtail admin."""

import django_filters
from wagtail.admin.filters import WagtailFilterSet

from cases.models import SourceDocument

from .choices import Difficulty, QuestionType, QuestionUsage
from .models import Question, QuestionCategory


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

    class Meta:
        model = Question
        fields = ["type", "category", "difficulty", "status", "usage", "source"]

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value)
