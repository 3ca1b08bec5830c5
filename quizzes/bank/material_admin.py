"""Admin views for case analysis and the bank as a whole: the material list with usage figures, the
material preview (as staff see it, then its keys and figures), deletes refused while papers or
answers hold a material, the exclusion-group list, and the bank report page (题库概况). Wired up
in quizzes/wagtail_hooks.py."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ..admin_base import GuardedDeleteView, RowTitleColumn, field_column
from .admin_views import right_rate_text
from .answers import BLANK, LETTERS, format_answer
from .choices import QuestionType
from .models import ExclusionGroup, Material, Question
from .report import bank_report
from .selectors import material_delete_problem, material_subquestions, materials_with_usage


class MaterialDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        return material_delete_problem(self.object)


class MaterialIndexView(generic.IndexView):
    def get_base_queryset(self):
        return materials_with_usage(
            super().get_base_queryset().select_related("category", "case", "variant_of")
        )

    @cached_property
    def columns(self):
        return [
            field_column(Material, "title", RowTitleColumn, view=self),
            field_column(Material, "code"),
            Column("case", label="依据案例", accessor=lambda m: m.case.title if m.case else "—"),
            Column("category", label="分类", accessor="category.path", sort_key="category__path"),
            field_column(Material, "difficulty"),
            field_column(Material, "status"),
            field_column(Material, "usage"),
            Column("subquestion_count", label="小题", sort_key="subquestion_count"),
            Column(
                "variant_of",
                label="变式自",
                accessor=lambda m: m.variant_of.code if m.variant_of else "",
            ),
            Column("times_drawn", label="抽中次数", sort_key="times_drawn"),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        inspect_url = self.get_inspect_url(instance)
        for button in buttons:
            if inspect_url and getattr(button, "url", None) == inspect_url:
                button.label = "预览"
        return buttons


@dataclass
class ShownSubquestion:
    """A sub-question as the preview lays it out: the question, its options with the right ones
    marked, its blanks, its key in words, its usage figures."""

    number: int
    question: Question
    options: list[tuple[str, str, bool]]
    stem_parts: list[str]
    answer_lines: list[str]
    right_rate: str


def shown_subquestions(material: Material) -> list[ShownSubquestion]:
    shown = []
    for number, question in enumerate(material_subquestions(material), start=1):
        answer = question.answer if isinstance(question.answer, list) else []
        options = []
        if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            options = [
                (LETTERS[i], text, i in answer) for i, text in enumerate(question.options or [])
            ]
        shown.append(
            ShownSubquestion(
                number=number,
                question=question,
                options=options,
                stem_parts=question.stem.split(BLANK) if question.type == QuestionType.FILL else [],
                answer_lines=format_answer(question.type, question.answer).splitlines(),
                right_rate=right_rate_text(question),
            )
        )
    return shown


class MaterialInspectView(generic.InspectView):
    """预览: the material and its sub-questions as staff see them on a paper, then each
    sub-question's key, explanation and figures, the case and rule items, the source quote."""

    template_name = "quizzes/admin/material_inspect.html"
    page_title = "预览"

    def get_object(self, queryset=None):
        return get_object_or_404(
            materials_with_usage(
                Material.objects.select_related("category", "case", "source", "variant_of")
            ),
            pk=self.pk,
        )

    def get_fields_context(self):
        return []  # the template lays the material out itself

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        material = self.object
        subquestions = shown_subquestions(material)
        context.update(
            material=material,
            subquestions=subquestions,
            total=sum((s.question.default_score for s in subquestions), 0),
            rules=list(material.rules.select_related("rule_set")),
            variants=list(material.variants.only("code", "title")),
            answered=sum(s.question.answered for s in subquestions),
        )
        return context


class ExclusionGroupIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("questions")

    @cached_property
    def columns(self):
        return [
            field_column(ExclusionGroup, "name", RowTitleColumn, view=self),
            field_column(ExclusionGroup, "code"),
            Column(
                "questions",
                label="试题",
                accessor=lambda group: Truncator(
                    "、".join(sorted(q.code for q in group.questions.all()))
                ).chars(80),
            ),
        ]


class BankReportView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """题库概况: the bank report for editors (the same figures as `manage.py bank_report`)."""

    model = Question
    permission_required = "view"
    template_name = "quizzes/admin/bank_report.html"
    page_title = "题库概况"
    header_icon = "table"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["report"] = bank_report()
        return context
