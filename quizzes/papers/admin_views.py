"""Admin views for exams: the blueprint list with totals, the blueprint check (试抽一份: a draw,
what it passed over, and the pairs of questions that answer one another, each of which an editor
can make an exclusion group of two), and deletes refused while exams or attempts depend on a
blueprint or exam. Wired up in quizzes/wagtail_hooks.py."""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, MenuItem

from ..admin_base import GuardedDeleteView, RowTitleColumn, field_column
from ..bank.material_forms import ExclusionGroupForm
from ..bank.models import ExclusionGroup, Material, Question
from .drawing import Avoided, DrawError, DrawnQuestion, DrawReport, draw_paper
from .models import Blueprint
from .reveal_check import pairs_in_blueprint
from .selectors import (
    blueprint_delete_problem,
    exam_delete_problem,
    section_pool_size,
    with_total_score,
)


class BlueprintDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        return blueprint_delete_problem(self.object)


class ExamDeleteView(GuardedDeleteView):
    def blocked_reason(self) -> str:
        return exam_delete_problem(self.object)


CHECK_LABEL = "试抽一份"


class BlueprintIndexView(generic.IndexView):
    check_url_name = None

    def get_base_queryset(self):
        return with_total_score(super().get_base_queryset())

    @cached_property
    def columns(self):
        return [
            field_column(Blueprint, "name", RowTitleColumn, view=self),
            field_column(Blueprint, "status"),
            Column("question_total", label="题数", sort_key="question_total"),
            Column(
                "total",
                label="满分",
                accessor=lambda b: f"{b.total.normalize():f}",
                sort_key="total",
            ),
            field_column(Blueprint, "pass_mark"),
            field_column(Blueprint, "time_limit_minutes"),
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
    wanted: int  # questions, or materials for a case-analysis section
    pool: int
    drawn: list[DrawnQuestion]
    score_per_question: Decimal  # per question, or each material's total
    draws_materials: bool = False

    @property
    def shortfall(self) -> int:
        return max(0, self.wanted - self.pool)

    @property
    def score(self) -> Decimal:
        return sum((item.score for item in self.drawn), Decimal(0))

    @property
    def questions(self) -> list[Question]:
        return [item.question for item in self.drawn]

    @property
    def materials(self) -> list[tuple[Material, list[Question]]]:
        """A case-analysis section's materials, each with its sub-questions, in paper order."""
        grouped: dict[int, tuple[Material, list[Question]]] = {}
        for item in self.drawn:
            if item.material is not None:
                grouped.setdefault(item.material.pk, (item.material, []))[1].append(item.question)
        return list(grouped.values())

    @property
    def unit(self) -> str:
        return "份" if self.draws_materials else "道"


@dataclass
class AvoidedLine:
    section_title: str
    text: str


def avoided_lines(avoided: list[Avoided]) -> list[AvoidedLine]:
    """What the draw passed over, in words: the question or material left out and why (three
    queries for the names, whatever the number)."""
    avoided = list(dict.fromkeys(avoided))
    question_ids = {a.question_id for a in avoided} | {a.with_question_id for a in avoided}
    questions = Question.objects.only("code").in_bulk([pk for pk in question_ids if pk])
    materials = Material.objects.only("code", "title").in_bulk(
        [a.material_id for a in avoided if a.material_id]
    )
    groups = ExclusionGroup.objects.only("name").in_bulk(
        [a.group_id for a in avoided if a.group_id]
    )
    lines = []
    for item in avoided:
        left_out = (
            f"材料 {materials[item.material_id].code}"
            if item.material_id
            else f"试题 {questions[item.question_id].code}"
        )
        if item.reveals:
            other = questions[item.with_question_id].code
            why = f"与本卷已抽的 {other} 同一知识点，且判断题题干写出了另一题的答案"
        elif item.group_id is None:
            why = "与本卷已抽的一份材料依据同一个案例"
        else:
            other = questions[item.with_question_id].code
            why = f"与本卷已抽的 {other} 同属互斥组“{groups[item.group_id].name}”"
        lines.append(AvoidedLine(item.section_title, f"未抽 {left_out}：{why}"))
    return lines


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
        error, drawn, report = "", [], DrawReport()
        try:
            drawn = draw_paper(blueprint=self.blueprint, seed=seed, report=report)
        except DrawError as draw_error:
            error = str(draw_error)
        checks = [
            SectionCheck(
                title=section.title,
                wanted=section.question_count,
                pool=section_pool_size(section),
                drawn=[d for d in drawn if d.section.pk == section.pk],
                score_per_question=section.score_per_question,
                draws_materials=section.draws_materials,
            )
            for section in sections
        ]
        revealing = pairs_in_blueprint(self.blueprint)
        context.update(
            blueprint=self.blueprint,
            seed=seed,
            error=error,
            checks=checks,
            drawn_count=len(drawn),
            material_count=len({d.material.pk for d in drawn if d.material is not None}),
            subquestion_count=sum(1 for d in drawn if d.material is not None),
            drawn_score=sum((c.score for c in checks), Decimal(0)),
            avoided=avoided_lines(report.avoided),
            revealing_check=revealing,
            revealing=revealing.pairs,
            can_group=self.request.user.has_perm("quizzes.add_exclusiongroup"),
            edit_url=reverse(self.edit_url_name, args=[self.blueprint.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        """设为互斥组: make an exclusion group of the two questions of a listed pair."""
        if not request.user.has_perm("quizzes.add_exclusiongroup"):
            raise PermissionDenied
        codes = [request.POST.get("asked", ""), request.POST.get("statement", "")]
        form = ExclusionGroupForm(
            data={
                "code": f"pair-{codes[0]}-{codes[1]}"[:80],
                "name": f"互相提示答案：{codes[0]} / {codes[1]}",
                "codes": "\n".join(codes),
            }
        )
        if form.is_valid():
            group = form.save()
            messages.success(
                request, f"已建立互斥组“{group.name}”，这两道题不会出现在同一份试卷中。"
            )
        else:
            problems = "；".join(str(error) for errors in form.errors.values() for error in errors)
            messages.error(request, f"未能建立互斥组：{problems}")
        return redirect(request.path)
