"""Admin wiring of item analysis: the 试题分析 report under 题库与考试 (editors only)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


class _EditorsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.VIEW)


@hooks.register("register_admin_urls")
def register_analysis_urls():
    return [
        path("analysis/", admin_views.ReportView.as_view(), name="item_analysis_report"),
        path("analysis/run/", admin_views.RunView.as_view(), name="item_analysis_run"),
        path("analysis/bulk/", admin_views.BulkView.as_view(), name="item_analysis_bulk"),
        path(
            "analysis/questions/<int:question_id>/answers/",
            admin_views.RecentAnswersView.as_view(),
            name="item_analysis_answers",
        ),
    ]


@hooks.register("register_quiz_menu_item")
def register_analysis_menu_item():
    return _EditorsMenuItem(
        "试题分析", reverse("item_analysis_report"), icon_name="table", order=960
    )
