"""Admin wiring: question bank, case-analysis materials, exclusion groups, categories, blueprints
and exams under one 题库与考试 menu, with the bank report (题库概况).

Only the 培训专责 role (and administrators) hold the quizzes permissions these views check, and only
they may enter the Wagtail admin at all.
"""

from django import forms
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from cases.choosers import cases_chooser, qa_items_chooser, rule_items_chooser

from .bank import admin_views as bank_admin
from .bank import material_admin
from .bank.filters import MaterialFilterSet, QuestionFilterSet
from .bank.forms import QuestionCategoryForm, QuestionForm
from .bank.material_forms import (
    ExclusionGroupForm,
    MaterialForm,
    SubQuestionForm,
    SubQuestionFormSet,
)
from .bank.models import ExclusionGroup, Material, Question, QuestionCategory
from .interchange import views as interchange_views
from .papers import admin_views as papers_admin
from .papers.forms import BlueprintForm, ExamForm
from .papers.models import Blueprint, Exam


class QuizViewSet(ModelViewSet):
    # What depends on a question, category, blueprint or exam is known from our own foreign keys
    # (see the Guarded delete views); Wagtail's reference index would only add a write per save.
    add_to_reference_index = False


class QuestionViewSet(QuizViewSet):
    model = Question
    icon = "help"
    menu_label = "试题"
    index_view_class = bank_admin.QuestionIndexView
    inspect_view_class = bank_admin.QuestionInspectView
    delete_view_class = bank_admin.QuestionDeleteView
    inspect_view_enabled = True
    # Question.sort_order_field orders a material's sub-questions, not the question list.
    sort_order_field = None
    bulk_usage_view_class = bank_admin.QuestionUsageView
    bulk_retire_view_class = bank_admin.QuestionRetireView
    report_view_class = material_admin.BankReportView
    filterset_class = QuestionFilterSet
    # Plain substring search on the stem and code: exact for Chinese, no index needed.
    search_backend_name = None
    search_fields = ["stem", "code"]
    ordering = ["code"]
    list_per_page = 50
    copy_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldRowPanel(
                [
                    FieldPanel("code"),
                    FieldPanel("type"),
                    FieldPanel("status"),
                    FieldPanel("usage"),
                ]
            ),
            FieldRowPanel(
                [FieldPanel("category"), FieldPanel("difficulty"), FieldPanel("default_score")]
            ),
            FieldPanel("knowledge_point"),
            FieldPanel("stem"),
            FieldPanel("options"),
            FieldPanel("answer"),
            FieldPanel("blanks_unordered"),
            FieldPanel("explanation"),
            FieldPanel("note"),
            FieldPanel("retire_reason"),
            MultiFieldPanel(
                [
                    FieldPanel("rules", widget=rule_items_chooser()),
                    FieldPanel("qa_items", widget=qa_items_chooser()),
                    FieldPanel("cases", widget=cases_chooser()),
                ],
                heading="关联知识",
            ),
            MultiFieldPanel(
                [FieldPanel("source"), FieldPanel("quote"), FieldPanel("source_note")],
                heading="出处",
            ),
        ],
        base_form_class=QuestionForm,
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            bulk_usage_url_name=self.get_url_name("bulk_usage"),
            bulk_retire_url_name=self.get_url_name("bulk_retire"),
            **kwargs,
        )

    @property
    def bulk_usage_view(self):
        return self.construct_view(self.bulk_usage_view_class)

    @property
    def bulk_retire_view(self):
        return self.construct_view(self.bulk_retire_view_class)

    @property
    def report_view(self):
        return self.construct_view(self.report_view_class)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("set-usage/", self.bulk_usage_view, name="bulk_usage"),
            path("retire/", self.bulk_retire_view, name="bulk_retire"),
            path("report/", self.report_view, name="report"),
        ]


class SubQuestionPanel(InlinePanel):
    """The material's sub-questions inline, each with the question editor's answer reading."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name].update(
            form=SubQuestionForm, formset=SubQuestionFormSet
        )
        return options


SUBQUESTION_PANELS = [
    FieldRowPanel([FieldPanel("type"), FieldPanel("default_score"), FieldPanel("status")]),
    FieldPanel("stem"),
    FieldPanel("options"),
    FieldPanel("answer"),
    FieldPanel("blanks_unordered"),
    FieldPanel("explanation"),
]


class MaterialViewSet(QuizViewSet):
    model = Material
    icon = "doc-full"
    menu_label = "案例分析材料"
    index_view_class = material_admin.MaterialIndexView
    inspect_view_class = material_admin.MaterialInspectView
    delete_view_class = material_admin.MaterialDeleteView
    inspect_view_enabled = True
    filterset_class = MaterialFilterSet
    search_backend_name = None
    search_fields = ["title", "code", "text"]
    ordering = ["code"]
    list_per_page = 50
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("code"), FieldPanel("status"), FieldPanel("usage")]),
            FieldPanel("title"),
            FieldPanel("text"),
            FieldRowPanel(
                [FieldPanel("category"), FieldPanel("difficulty"), FieldPanel("knowledge_point")]
            ),
            MultiFieldPanel(
                [
                    FieldPanel("case"),
                    FieldPanel("rules", widget=rule_items_chooser()),
                    FieldPanel("variant_of"),
                    FieldPanel("note"),
                ],
                heading="案例、规范与变式",
            ),
            SubQuestionPanel(
                "subquestions",
                panels=SUBQUESTION_PANELS,
                heading="小题",
                label="小题",
                min_num=2,
                max_num=6,
            ),
            MultiFieldPanel([FieldPanel("source"), FieldPanel("quote")], heading="出处"),
        ],
        base_form_class=MaterialForm,
    )


class ExclusionGroupViewSet(QuizViewSet):
    model = ExclusionGroup
    icon = "link"
    menu_label = "互斥组"
    index_view_class = material_admin.ExclusionGroupIndexView
    search_fields = ["name", "code"]
    ordering = ["code"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [FieldPanel("code"), FieldPanel("name"), FieldPanel("codes")],
        base_form_class=ExclusionGroupForm,
    )


class QuestionCategoryViewSet(QuizViewSet):
    model = QuestionCategory
    icon = "folder-open-inverse"
    menu_label = "题库分类"
    index_view_class = bank_admin.QuestionCategoryIndexView
    delete_view_class = bank_admin.QuestionCategoryDeleteView
    search_fields = ["path"]
    ordering = ["path"]
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return QuestionCategoryForm


SECTION_PANELS = [
    FieldRowPanel(
        [
            FieldPanel("title"),
            FieldPanel("question_count"),
            FieldPanel("score_per_question"),
            FieldPanel("sort_order"),
        ]
    ),
    FieldPanel("kind"),
    FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
    FieldPanel("types"),
    FieldPanel("difficulties"),
    FieldPanel("case_kinds"),
]


class BlueprintViewSet(QuizViewSet):
    model = Blueprint
    icon = "list-ol"
    menu_label = "组卷规则"
    index_view_class = papers_admin.BlueprintIndexView
    edit_view_class = papers_admin.BlueprintEditView
    delete_view_class = papers_admin.BlueprintDeleteView
    check_view_class = papers_admin.BlueprintCheckView
    search_fields = ["name", "description"]
    list_filter = ["status"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description"),
            FieldRowPanel(
                [FieldPanel("status"), FieldPanel("pass_mark"), FieldPanel("time_limit_minutes")]
            ),
            HelpPanel(template="quizzes/admin/blueprint_total_panel.html", heading="满分"),
            InlinePanel("sections", heading="大题", label="大题", panels=SECTION_PANELS, min_num=1),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                    FieldPanel("multiple_scoring"),
                    FieldPanel("attempts_allowed"),
                    FieldPanel("question_usages"),
                ],
                heading="抽题与计分",
            ),
            MultiFieldPanel(
                [
                    FieldPanel("answers_shown"),
                    FieldPanel("review_visibility"),
                    FieldPanel("pass_text"),
                    FieldPanel("fail_text"),
                ],
                heading="交卷后",
            ),
        ],
        base_form_class=BlueprintForm,
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(check_url_name=self.get_url_name("check"), **kwargs)

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(check_url_name=self.get_url_name("check"), **kwargs)

    @property
    def check_view(self):
        return self.construct_view(self.check_view_class)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("check/<int:pk>/", self.check_view, name="check"),
        ]


class ExamViewSet(QuizViewSet):
    model = Exam
    delete_view_class = papers_admin.ExamDeleteView
    icon = "date"
    menu_label = "考试"
    list_display = ["title", "blueprint", "status", "opens_at", "closes_at", "review_policy"]
    list_filter = ["status", "blueprint", "review_policy"]
    search_fields = ["title"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return ExamForm


class QuizAdminGroup(ModelViewSetGroup):
    menu_label = "题库与考试"
    menu_icon = "tasks"
    menu_order = 250
    submenu_hook = "register_quiz_menu_item"
    items = (
        QuestionViewSet("quiz_questions", url_prefix="quizzes/questions"),
        MaterialViewSet("quiz_materials", url_prefix="quizzes/materials"),
        ExclusionGroupViewSet("quiz_exclusion_groups", url_prefix="quizzes/exclusion-groups"),
        QuestionCategoryViewSet("quiz_categories", url_prefix="quizzes/categories"),
        BlueprintViewSet("quiz_blueprints", url_prefix="quizzes/blueprints"),
        ExamViewSet("quiz_exams", url_prefix="quizzes/exams"),
    )


@hooks.register("register_admin_viewset")
def register_quiz_viewsets():
    return QuizAdminGroup()


# Import and export (quizzes/interchange/) --------------------------------------------------------


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_urls")
def register_interchange_urls():
    return [
        path("quizzes/import/", interchange_views.ImportView.as_view(), name="quiz_import"),
        path(
            "quizzes/import/<str:token>/preview/",
            interchange_views.ImportPreviewView.as_view(),
            name="quiz_import_preview",
        ),
        path(
            "quizzes/import/template.<str:kind>",
            interchange_views.TemplateDownloadView.as_view(),
            name="quiz_import_template",
        ),
        path("quizzes/export/", interchange_views.ExportView.as_view(), name="quiz_export"),
    ]


@hooks.register("register_quiz_menu_item")
def register_import_menu_item():
    return PermissionMenuItem(
        "导入试题",
        reverse("quiz_import"),
        icon_name="upload",
        order=900,
        permission="quizzes.add_question",
    )


@hooks.register("register_quiz_menu_item")
def register_report_menu_item():
    return PermissionMenuItem(
        "题库概况",
        reverse("quiz_questions:report"),
        icon_name="table",
        order=950,
        permission="quizzes.view_question",
    )


@hooks.register("register_quiz_menu_item")
def register_export_menu_item():
    return PermissionMenuItem(
        "导出试题",
        reverse("quiz_export"),
        icon_name="download",
        order=901,
        permission="quizzes.view_question",
    )
