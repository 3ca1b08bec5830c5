"""Admin views for the question bank: the question list with usage figures, the preview, setting
the use of many questions at once, the category list, and deletes refused while something depends
on a question or category. Wired up in quizzes/wagtail_hooks.py."""

import re
from dataclasses import dataclass

from django import forms
from django.db.models import Count, F, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.text import Truncator
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button

from ..admin_base import GuardedDeleteView, RowTitleColumn, field_column
from ..analysis import services as analysis_services
from ..analysis.selectors import listing_flags, with_latest_statistics
from .answers import BLANK, LETTERS, format_answer
from .choices import QuestionType, QuestionUsage
from .filters import QuestionFilterSet
from .models import Question, QuestionCategory
from .selectors import (
    categories_with_counts,
    category_delete_problem,
    missing_codes,
    question_delete_problem,
    usage_counts,
    with_usage,
)
from .services import set_usage
from .trial import MAX_TRIAL_LENGTH, TrialRefused, try_answer


class QuestionDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        return question_delete_problem(self.object)


class QuestionCategoryDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        return category_delete_problem(self.object)


def right_rate_text(question: Question) -> str:
    if not getattr(question, "answered", 0):
        return "—"
    return f"{question.right_rate:.0%}（{question.answered_right}/{question.answered}）"


def facility_text(question: Question) -> str:
    """得分率 in the latest statistics run, or why there is none."""
    if getattr(question, "ia_item", None) is None:
        return "—"
    if question.ia_facility is None:
        return f"样本不足（{question.ia_attempts} 次）"
    return f"{question.ia_facility:.0%}"


def discrimination_text(question: Question) -> str:
    value = getattr(question, "ia_discrimination", None)
    return "—" if value is None else f"{value:.2f}"


def flags_html(question: Question) -> str:
    """The question's flags, each a link to its recent answers and figures (one click from a flag
    to the question and what people answered)."""
    flags = listing_flags(question)
    if not flags:
        return ""
    url = reverse("item_analysis_answers", args=[question.pk])
    return format_html_join(
        " ",
        '<a class="quiz-flag" href="{}" title="查看该题的统计和最近作答">{}</a>',
        ((url, label) for _, label in flags),
    )


# Sorting by a figure puts the questions without one last, whichever the direction.
FIGURE_SORTS = {"ia_facility", "ia_discrimination"}


class QuestionIndexView(generic.IndexView):
    bulk_usage_url_name = None
    bulk_retire_url_name = None

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        # The bulk actions start from the list's current filters.
        query = self.request.GET.urlencode()
        suffix = f"?{query}" if query else ""
        for label, url_name, icon, priority in (
            ("批量设置用途", self.bulk_usage_url_name, "tasks", 40),
            ("批量停用", self.bulk_retire_url_name, "cross", 45),
        ):
            buttons.append(
                Button(label, url=reverse(url_name) + suffix, icon_name=icon, priority=priority)
            )
        buttons.append(
            Button(
                "试题分析",
                url=reverse("item_analysis_report"),
                icon_name="table",
                priority=50,
            )
        )
        return buttons

    def get_base_queryset(self):
        return with_latest_statistics(
            with_usage(super().get_base_queryset().select_related("category", "material"))
        )

    def order_queryset(self, queryset):
        key = self.ordering.lstrip("-") if isinstance(self.ordering, str) else ""
        if key in FIGURE_SORTS:
            figure = F(key).desc(nulls_last=True) if self.ordering.startswith("-") else None
            return queryset.order_by(figure or F(key).asc(nulls_last=True), "code")
        return super().order_queryset(queryset)

    @cached_property
    def columns(self):
        return [
            field_column(
                Question,
                "stem",
                RowTitleColumn,
                view=self,
                accessor=lambda q: Truncator(q.stem).chars(48),
                label="题干",
            ),
            field_column(Question, "code"),
            field_column(Question, "type"),
            Column("category", label="分类", accessor="category.path", sort_key="category__path"),
            field_column(Question, "difficulty"),
            field_column(Question, "status"),
            field_column(Question, "usage"),
            Column(
                "material",
                label="所属材料",
                accessor=lambda q: q.material.code if q.material_id else "",
                sort_key="material__code",
            ),
            Column("times_drawn", label="抽中次数", sort_key="times_drawn"),
            Column("right_rate", label="答对率", accessor=right_rate_text, sort_key="right_rate"),
            Column(
                "ia_facility",
                label="得分率（统计）",
                accessor=facility_text,
                sort_key="ia_facility",
            ),
            Column(
                "ia_discrimination",
                label="区分度",
                accessor=discrimination_text,
                sort_key="ia_discrimination",
            ),
            Column("ia_flags", label="分析标记", accessor=flags_html),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        inspect_url = self.get_inspect_url(instance)
        for button in buttons:
            if inspect_url and getattr(button, "url", None) == inspect_url:
                button.label = "预览"
        return buttons


class CodesField(forms.CharField):
    """Question codes, one per line or separated by commas (optional): a list of codes."""

    def __init__(self, *, label: str, help_text: str):
        super().__init__(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=help_text,
        )

    def clean(self, value) -> list[str]:
        text = super().clean(value) or ""
        return [code for code in re.split(r"[\s,，、]+", text) if code]


class FilteredQuestionsMixin:
    """A bulk action on the questions the admin list's filters select (its query string), or on
    some of their codes."""

    @cached_property
    def filters(self) -> QuestionFilterSet:
        return QuestionFilterSet(self.request.GET or None, queryset=Question.objects.all())

    def selected(self) -> QuerySet[Question]:
        if self.filters.is_bound and self.filters.is_valid():
            return self.filters.qs
        return Question.objects.all()

    def chosen(self, form) -> QuerySet[Question] | None:
        """The selected questions narrowed to the form's codes; None (with the form's error)
        when a code is not among them."""
        questions = self.selected()
        codes = form.cleaned_data["codes"]
        if not codes:
            return questions
        missing = missing_codes(questions, codes)
        if missing:
            form.add_error("codes", "以下编码不存在或不在筛选范围内：" + "、".join(missing[:20]))
            return None
        return questions.filter(code__in=codes)


class QuestionUsageForm(forms.Form):
    usage = forms.ChoiceField(
        label="设为",
        choices=QuestionUsage.choices,
        error_messages={"required": "请选择用途。", "invalid_choice": "用途无效。"},
    )
    codes = CodesField(
        label="只改这些编码（可选）",
        help_text="每行或用逗号分隔一个试题编码；留空则修改上面筛选出的全部试题。",
    )


class QuestionUsageView(
    FilteredQuestionsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView
):
    """批量设置用途: set 练习 / 考试专用 / 通用 for the questions the list's filters select (or
    a list of codes), in one UPDATE."""

    model = Question
    permission_required = "change"
    template_name = "quizzes/admin/question_usage.html"
    page_title = "批量设置试题用途"
    header_icon = "tasks"
    form_class = QuestionUsageForm
    index_url_name = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_usage = usage_counts(self.selected())
        context.update(
            filters=self.filters,
            selected_count=sum(by_usage.values()),
            usage_counts=[
                (label, by_usage.get(value, 0)) for value, label in QuestionUsage.choices
            ],
        )
        return context

    def form_valid(self, form):
        questions = self.chosen(form)
        if questions is None:
            return self.form_invalid(form)
        usage = form.cleaned_data["usage"]
        changed = set_usage(questions=questions, usage=usage)
        messages.success(
            self.request, f"已将 {changed} 道试题的用途设为“{QuestionUsage(usage).label}”。"
        )
        return redirect(self.request.get_full_path())


class QuestionRetireForm(forms.Form):
    reason = forms.CharField(
        label="停用原因",
        max_length=200,
        error_messages={
            "required": analysis_services.REASON_REQUIRED,
            "max_length": analysis_services.REASON_TOO_LONG,
        },
        help_text="例如：区分度为负，答案待核实。记入试题的停用原因和试题分析的操作记录。",
    )
    codes = CodesField(
        label="只停用这些编码（可选）",
        help_text="每行或用逗号分隔一个试题编码；留空则停用上面筛选出的全部试题。",
    )


class QuestionRetireView(
    FilteredQuestionsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView
):
    """批量停用: set the questions the list's filters select (a flag of the latest statistics,
    say), or some of their codes, to 停用 with a reason — the same service as the 试题分析
    report's, logged per question."""

    model = Question
    permission_required = "change"
    template_name = "quizzes/admin/question_retire.html"
    page_title = "批量停用试题"
    header_icon = "cross"
    form_class = QuestionRetireForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_status = dict(self.selected().order_by().values_list("status").annotate(n=Count("pk")))
        context.update(
            filters=self.filters,
            active_count=sum(n for status, n in by_status.items() if status != "retired"),
            retired_count=by_status.get(Question.Status.RETIRED, 0),
            filtered=self.filters.is_bound,
        )
        return context

    def form_valid(self, form):
        if not form.cleaned_data["codes"] and not self.filters.is_bound:
            form.add_error("codes", "没有筛选条件时请填写要停用的编码，以免停用整个题库。")
            return self.form_invalid(form)
        questions = self.chosen(form)
        if questions is None:
            return self.form_invalid(form)
        if not questions.exclude(status=Question.Status.RETIRED).exists():
            form.add_error(None, "所选试题都已停用，没有可停用的试题。")
            return self.form_invalid(form)
        try:
            count = analysis_services.retire_questions(
                questions=questions, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except analysis_services.AnalysisError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"已停用 {count} 道试题。")
        return redirect(self.request.get_full_path())


class QuestionCategoryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return categories_with_counts(super().get_base_queryset())

    @cached_property
    def columns(self):
        return [
            field_column(QuestionCategory, "path", RowTitleColumn, view=self),
            field_column(QuestionCategory, "parent"),
            Column("question_count", label="试题数", sort_key="question_count"),
        ]


@dataclass
class ShownOption:
    letter: str
    text: str
    right: bool


class QuestionInspectView(generic.InspectView):
    """预览: the question as staff see it on a paper, then its answer key, sources and use."""

    template_name = "quizzes/admin/question_inspect.html"
    page_title = "预览"

    def get_object(self, queryset=None):
        return get_object_or_404(
            with_usage(Question.objects.select_related("category", "source")),
            pk=self.pk,
        )

    def get_fields_context(self):
        return []  # the template lays the question out itself

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        question = self.object
        answer = question.answer if isinstance(question.answer, list) else []
        context.update(
            question=question,
            options=[
                ShownOption(LETTERS[i], text, i in answer)
                for i, text in enumerate(question.options or [])
            ]
            if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE)
            else [],
            stem_parts=question.stem.split(BLANK) if question.type == QuestionType.FILL else [],
            answer_lines=format_answer(question.type, question.answer).splitlines(),
            rules=list(question.rules.select_related("rule_set")),
            qa_items=list(question.qa_items.all()),
            cases=list(question.cases.all()),
            right_rate=right_rate_text(question),
            **self._trial(question),
        )
        return context

    def _trial(self, question: Question) -> dict:
        """The 试评 box: ?trial=<answer> grades it as a paper would, recording nothing."""
        if question.type not in (QuestionType.SHORT, QuestionType.FILL):
            return {}
        text = self.request.GET.get("trial")
        context = {"trial_enabled": True, "trial_text": (text or "")[:MAX_TRIAL_LENGTH]}
        if text is None:
            return context
        try:
            context["trial"] = try_answer(question=question, answer=text)
        except TrialRefused as error:
            context["trial_error"] = str(error)
        return context
