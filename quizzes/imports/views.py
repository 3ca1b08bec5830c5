"""Wagtail admin pages of the import history: the batches, one batch with its questions, its undo."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from wagtail.admin import messages

from ..interchange.views import InterchangeView
from .selectors import import_records, record_questions
from .services import UndoRefused, undo_import

HISTORY_PER_PAGE = 30


class ImportHistoryView(InterchangeView):
    """导入历史: every applied import (who, when, file, SHA-256, counts), newest first."""

    page_title = "导入历史"
    template_name = "quizzes/admin/import_history.html"
    header_icon = "history"

    def get(self, request):
        page = Paginator(import_records(), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
        return self.render(records=page, import_url=reverse("quiz_import"))


class ImportBatchView(InterchangeView):
    """One import: its counts, report and questions; 撤销本次导入 (POST) undoes it."""

    page_title = "导入批次"
    template_name = "quizzes/admin/import_batch.html"
    header_icon = "history"
    undo_permission = "quizzes.delete_question"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("quiz_import_history"), "label": "导入历史"},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request, pk: int):
        record = get_object_or_404(import_records(), pk=pk)
        return self.render(
            record=record,
            batch=record.batch,
            can_undo=request.user.has_perm(self.undo_permission) and not record.undone,
            **record_questions(record=record),
        )

    def post(self, request, pk: int):
        if not request.user.has_perm(self.undo_permission):
            raise PermissionDenied
        record = get_object_or_404(import_records(), pk=pk)
        try:
            record = undo_import(record=record, by=request.user)
        except UndoRefused as refused:
            messages.error(request, str(refused))
            return redirect("quiz_import_batch", pk=pk)
        report = record.undo_report
        messages.success(
            request,
            f"已撤销“{record.batch.file_name}”的导入：删除试题 {len(report['deleted'])} 道，"
            f"停用 {len(report['retired'])} 道（已被抽入试卷或已有作答），"
            f"恢复更新前内容 {len(report['restored'])} 道；"
            f"删除材料 {len(report['materials_deleted'])} 份，停用 {len(report['materials_retired'])} 份。",
        )
        return redirect("quiz_import_batch", pk=pk)
