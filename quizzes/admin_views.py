"""Admin views for the question bank and exams: listings with usage figures, the question preview,
and the blueprint check (试抽一份). Wired up in wagtail_hooks.py."""

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django import forms
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, MenuItem

from cases.models import SourceDocument

from .drawing import DrawError, draw_paper, section_pool_filter
from .forms import LETTERS, format_answer
from .grading import BLANK
from .models import (
    AnswerRecord,
    AttemptQuestion,
    Blueprint,
    Difficulty,
    Question,
    QuestionCategory,
    QuestionType,
    QuestionUsage,
)

# Deleting -------------------------------------------------------------------------------------


class GuardedDeleteView(generic.DeleteView):
    """Refuses, with a message in Chinese, to delete what exams or people still depend on."""

    def blocked_reason(self) -> str:
        return ""

    def _refused(self):
        reason = self.blocked_reason()
        if reason:
            messages.error(self.request, reason)
            return redirect(self.index_url_name)
        return None

    def get(self, request, *args, **kwargs):
        return self._refused() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._refused() or super().post(request, *args, **kwargs)


class QuestionDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        drawn = AttemptQuestion.objects.filter(question=self.object).count()
        answered = AnswerRecord.objects.filter(question=self.object).count()
        if drawn or answered:
            return (
                f"该试题已被抽入 {drawn} 份试卷、作答 {answered} 次：删除会丢失答题统计和考生的错题记录。"
                "不再使用请把状态改为“停用”。"
            )
        return ""


class QuestionCategoryDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        questions = self.object.questions.count()
        children = self.object.children.count()
        if questions or children:
            return (
                f"分类“{self.object.path}”下还有 {questions} 道试题、{children} 个下级分类，"
                "请先移走或删除它们。"
            )
        return ""


class BlueprintDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        exams = self.object.exams.count()
        if exams:
            return f"已有 {exams} 场考试使用组卷规则“{self.object.name}”，不能删除。"
        return ""


class ExamDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        attempts = self.object.attempts.count()
        if attempts:
            return (
                f"考试“{self.object.title}”已有 {attempts} 份作答记录，不能删除；"
                "不再开放请把状态改为“已结束”。"
            )
        return ""


# Questions ------------------------------------------------------------------------------------


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) per question (a subquery, so two tables never multiply rows)."""
    counted = queryset.order_by().values("question_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_usage(questions: QuerySet[Question]) -> QuerySet[Question]:
    """Annotate how often each question was drawn into a paper, and how often it was answered right.

    Answers counted: every judged exam answer (AttemptQuestion.is_correct, which includes marked
    short answers) and every practice answer (AnswerRecord, origin practice). Exam answers are not
    taken from AnswerRecord as well, so none is counted twice.
    """
    exam = AttemptQuestion.objects.filter(question=OuterRef("pk"))
    practice = AnswerRecord.objects.filter(
        question=OuterRef("pk"), origin=AnswerRecord.Origin.PRACTICE
    )
    questions = questions.annotate(
        times_drawn=_count(exam),
        answered=_count(exam.filter(is_correct__isnull=False)) + _count(practice),
        answered_right=_count(exam.filter(is_correct=True))
        + _count(practice.filter(is_correct=True)),
    )
    return questions.annotate(
        right_rate=ExpressionWrapper(
            Cast(F("answered_right"), FloatField())
            / NullIf(Cast(F("answered"), FloatField()), 0.0),
            output_field=FloatField(),
        )
    )


def right_rate_text(question: Question) -> str:
    if not getattr(question, "answered", 0):
        return "—"
    return f"{question.right_rate:.0%}（{question.answered_right}/{question.answered}）"


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
        return queryset.filter(
            Q(category__path=value.path) | Q(category__path__startswith=value.path + "/")
        )


class QuestionIndexView(generic.IndexView):
    bulk_usage_url_name = None

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        query = self.request.GET.urlencode()
        buttons.append(
            Button(
                "批量设置用途",
                url=reverse(self.bulk_usage_url_name) + (f"?{query}" if query else ""),
                icon_name="tasks",
                priority=40,
            )
        )
        return buttons

    def get_base_queryset(self):
        return with_usage(super().get_base_queryset().select_related("category"))

    @cached_property
    def columns(self):
        return [
            self._get_title_column(
                "stem", accessor=lambda q: Truncator(q.stem).chars(48), label="题干"
            ),
            self._get_custom_column("code"),
            self._get_custom_column("type"),
            Column("category", label="分类", accessor="category.path", sort_key="category__path"),
            self._get_custom_column("difficulty"),
            self._get_custom_column("status"),
            self._get_custom_column("usage"),
            Column("times_drawn", label="抽中次数", sort_key="times_drawn"),
            Column("right_rate", label="答对率", accessor=right_rate_text, sort_key="right_rate"),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        inspect_url = self.get_inspect_url(instance)
        for button in buttons:
            if inspect_url and getattr(button, "url", None) == inspect_url:
                button.label = "预览"
        return buttons

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        label = kwargs.pop("label", None)
        column = super()._get_custom_column(field_name, column_class, **kwargs)
        if label:
            column.label = label
        return column


class QuestionUsageForm(forms.Form):
    usage = forms.ChoiceField(
        label="设为",
        choices=QuestionUsage.choices,
        error_messages={"required": "请选择用途。", "invalid_choice": "用途无效。"},
    )
    codes = forms.CharField(
        label="只改这些编码（可选）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行或用逗号分隔一个试题编码；留空则修改上面筛选出的全部试题。",
    )

    def clean_codes(self) -> list[str]:
        text = self.cleaned_data.get("codes", "")
        return [code for code in re.split(r"[\s,，、]+", text) if code]


class QuestionUsageView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """批量设置用途: set 练习 / 考试专用 / 通用 for the questions the list's filters select (or
    a list of codes), in one UPDATE."""

    model = Question
    permission_required = "change"
    template_name = "quizzes/admin/question_usage.html"
    page_title = "批量设置试题用途"
    header_icon = "tasks"
    form_class = QuestionUsageForm
    index_url_name = None

    @cached_property
    def filters(self) -> QuestionFilterSet:
        return QuestionFilterSet(self.request.GET or None, queryset=Question.objects.all())

    def selected(self) -> QuerySet[Question]:
        if self.filters.is_bound and self.filters.is_valid():
            return self.filters.qs
        return Question.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_usage = dict(self.selected().order_by().values_list("usage").annotate(n=Count("pk")))
        context.update(
            filters=self.filters,
            selected_count=sum(by_usage.values()),
            usage_counts=[
                (label, by_usage.get(value, 0)) for value, label in QuestionUsage.choices
            ],
        )
        return context

    def form_valid(self, form):
        questions = self.selected()
        codes = form.cleaned_data["codes"]
        if codes:
            found = set(questions.filter(code__in=codes).values_list("code", flat=True))
            missing = sorted(set(codes) - found)
            if missing:
                form.add_error(
                    "codes", "以下编码不存在或不在筛选范围内：" + "、".join(missing[:20])
                )
                return self.form_invalid(form)
            questions = questions.filter(code__in=codes)
        usage = form.cleaned_data["usage"]
        changed = questions.exclude(usage=usage).update(usage=usage)
        messages.success(
            self.request, f"已将 {changed} 道试题的用途设为“{QuestionUsage(usage).label}”。"
        )
        return redirect(self.request.get_full_path())


class QuestionCategoryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("parent")
            .annotate(question_count=Count("questions"))
        )

    @cached_property
    def columns(self):
        return [
            self._get_title_column("path"),
            self._get_custom_column("parent"),
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
        )
        return context


# Blueprints -----------------------------------------------------------------------------------


def with_total_score(blueprints: QuerySet[Blueprint]) -> QuerySet[Blueprint]:
    return blueprints.annotate(
        total=Coalesce(
            Sum(
                F("sections__question_count") * F("sections__score_per_question"),
                output_field=DecimalField(max_digits=9, decimal_places=2),
            ),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=9, decimal_places=2),
        ),
        question_total=Coalesce(Sum("sections__question_count"), Value(0)),
    )


CHECK_LABEL = "试抽一份"


class BlueprintIndexView(generic.IndexView):
    check_url_name = None

    def get_base_queryset(self):
        return with_total_score(super().get_base_queryset())

    @cached_property
    def columns(self):
        return [
            self._get_title_column("name"),
            self._get_custom_column("status"),
            Column("question_total", label="题数", sort_key="question_total"),
            Column(
                "total",
                label="满分",
                accessor=lambda b: f"{b.total.normalize():f}",
                sort_key="total",
            ),
            self._get_custom_column("pass_mark"),
            self._get_custom_column("time_limit_minutes"),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            MenuItem(
                CHECK_LABEL,
                url=reverse(self.check_url_name, args=[instance.pk]),
                icon_name="cogs",
                priority=15,
            )
        )
        return buttons


class BlueprintEditView(generic.EditView):
    check_url_name = None

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        buttons.append(
            Button(
                CHECK_LABEL,
                url=reverse(self.check_url_name, args=[self.object.pk]),
                icon_name="cogs",
                priority=5,
            )
        )
        return buttons


@dataclass
class SectionCheck:
    title: str
    wanted: int
    pool: int
    drawn: list[Question]
    score_per_question: Decimal

    @property
    def shortfall(self) -> int:
        return max(0, self.wanted - self.pool)

    @property
    def score(self) -> Decimal:
        return self.score_per_question * len(self.drawn)


class BlueprintCheckView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """试抽一份: draw one paper with a random seed, as start_attempt would, and show the outcome."""

    model = Blueprint
    any_permission_required = ["add", "change", "delete", "view"]
    template_name = "quizzes/admin/blueprint_check.html"
    page_title = CHECK_LABEL
    header_icon = "cogs"
    index_url_name = None
    edit_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.blueprint = get_object_or_404(
            with_total_score(Blueprint.objects.all()), pk=kwargs["pk"]
        )

    def get_page_subtitle(self):
        return self.blueprint.name

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": "组卷规则"},
            {
                "url": reverse(self.edit_url_name, args=[self.blueprint.pk]),
                "label": self.blueprint.name,
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seed = secrets.randbits(32)
        sections = list(self.blueprint.sections.prefetch_related("categories"))
        error, drawn = "", []
        try:
            drawn = draw_paper(blueprint=self.blueprint, seed=seed)
        except DrawError as draw_error:
            error = str(draw_error)
        checks = [
            SectionCheck(
                title=section.title,
                wanted=section.question_count,
                pool=Question.objects.filter(section_pool_filter(section)).count(),
                drawn=[d.question for d in drawn if d.section.pk == section.pk],
                score_per_question=section.score_per_question,
            )
            for section in sections
        ]
        context.update(
            blueprint=self.blueprint,
            seed=seed,
            error=error,
            checks=checks,
            drawn_count=len(drawn),
            drawn_score=sum((c.score for c in checks), Decimal(0)),
            edit_url=reverse(self.edit_url_name, args=[self.blueprint.pk]),
        )
        return context
