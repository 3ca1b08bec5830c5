"""Admin wiring of the import history (under 题库与考试, beside 导入试题)."""

from django.urls import path, reverse
from wagtail import hooks

from ..wagtail_hooks import PermissionMenuItem
from . import views


@hooks.register("register_admin_urls")
def register_import_history_urls():
    return [
        path("quizzes/imports/", views.ImportHistoryView.as_view(), name="quiz_import_history"),
        path(
            "quizzes/imports/<int:pk>/", views.ImportBatchView.as_view(), name="quiz_import_batch"
        ),
    ]


@hooks.register("register_quiz_menu_item")
def register_import_history_menu_item():
    return PermissionMenuItem(
        "导入历史",
        reverse("quiz_import_history"),
        icon_name="history",
        order=902,
        permission="quizzes.add_question",
    )
