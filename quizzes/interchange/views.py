"""Wagtail admin pages: 导入试题 (upload → preview → confirm), 导出试题, and the templates.

Between the preview and the confirmation the uploaded bytes wait in a pending QuestionImport row
(in the database, so any app server can finish the import), found by a random token and only for
the user who uploaded it; nothing the browser sends names a file on disk. A file with errors is
shown with all its errors and is not kept at all.
"""

import hashlib
import io

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..bank.choices import Difficulty, QuestionType
from ..bank.models import Question, QuestionCategory, QuestionImport
from .base import MAX_IMPORT_BYTES, TOO_LARGE_MESSAGE, FileRejected
from .formats import AUTO, EXPORT_FORMATS, FORMATS, read_file, write_file
from .importing import (
    DEFAULT_CATEGORY,
    ImportRefused,
    apply_import,
    build_preview,
    hold_upload,
    join_path,
    pending_upload,
    questions_for_export,
)
from .preview_rows import STATUS_LABELS, preview_rows, rows_page, status_counts
from .spreadsheet.template import template_csv, template_xlsx

QUESTIONS_INDEX = "quiz_questions:index"


class ImportForm(forms.Form):
    file = forms.FileField(
        label="题库文件",
        help_text="xlsx、csv、Moodle XML、GIFT 或 Aiken 文本，小于 20 MB。",
        error_messages={"required": "请选择要导入的文件。", "empty": "文件是空的。"},
    )
    format = forms.ChoiceField(label="文件格式", initial=AUTO)
    category = forms.CharField(
        label="导入到分类",
        required=False,
        max_length=300,
        help_text=(
            "可不填。填写后所有题目都放到这个分类之下（多级用 / 分隔，如“题库/2026年”），"
            f"文件中的分类接在它后面；不填时按文件中的分类，没有分类的题目放入“{DEFAULT_CATEGORY}”。"
        ),
    )
    status = forms.ChoiceField(
        label="新题目的状态",
        choices=[
            (Question.Status.ACTIVE, "启用（可被抽题）"),
            (Question.Status.DRAFT, "草稿（检查后再启用）"),
        ],
        initial=Question.Status.ACTIVE,
    )
    strict = forms.BooleanField(
        label="严格模式",
        required=False,
        help_text="勾选后，文件中只要有一道题本平台无法表示（如只有通配符答案的填空题），"
        "整个文件都不导入；不勾选时跳过这些题目并在预览中列出，其余照常导入。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(AUTO, "自动识别")] + [
            (key, spec.label) for key, spec in FORMATS.items() if spec.can_read
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size >= MAX_IMPORT_BYTES:  # checked before the file is read into memory
            raise forms.ValidationError(TOO_LARGE_MESSAGE)
        return upload

    def clean_category(self):
        path = join_path(self.cleaned_data["category"])
        if any(len(name) > 100 for name in path.split("/")):
            raise forms.ValidationError("分类名称最多 100 个字。")
        return path


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="导出格式")
    category = forms.ModelChoiceField(
        label="分类（含下级）",
        queryset=QuestionCategory.objects.all(),
        required=False,
        empty_label="全部分类",
    )
    type = forms.ChoiceField(
        label="题型", required=False, choices=[("", "全部题型"), *QuestionType.choices]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *Question.Status.choices]
    )
    difficulty = forms.TypedChoiceField(
        label="难度",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "全部难度"), *Difficulty.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [
            (key, FORMATS[key].label) for key in EXPORT_FORMATS if FORMATS[key].can_write
        ]


class InterchangeView(WagtailAdminTemplateMixin, View):
    permission = "quizzes.add_question"
    header_icon = "doc-full-inverse"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(QUESTIONS_INDEX), "label": "试题"},
            {"url": "", "label": self.page_title},
        ]

    def render(self, **context):
        return self.render_to_response(self.get_context_data(**context))


def _links() -> dict:
    return {
        "import_url": reverse("quiz_import"),
        "export_url": reverse("quiz_export"),
        "template_xlsx_url": reverse("quiz_import_template", args=["xlsx"]),
        "template_csv_url": reverse("quiz_import_template", args=["csv"]),
        "questions_url": reverse(QUESTIONS_INDEX),
    }


class ImportView(InterchangeView):
    """Upload a file: a file with errors is shown with all of them; a valid one waits for
    confirmation on the preview page."""

    page_title = "导入试题"
    template_name = "quizzes/admin/import_form.html"

    def get(self, request):
        return self.render(form=ImportForm(), **_links())

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form=form, **_links())
        upload = form.cleaned_data["file"]
        data = upload.read()
        options = {
            "format": form.cleaned_data["format"],
            "category": form.cleaned_data["category"],
            "status": form.cleaned_data["status"],
            "strict": form.cleaned_data["strict"],
        }
        try:
            result = read_file(data, upload.name, options["format"])
        except FileRejected as rejected:
            form.add_error("file", f"无法导入“{upload.name}”：{rejected}")
            return self.render(form=form, **_links())
        preview = _preview(result, options)
        if not preview.ok:
            # Nothing is kept: the editor corrects the file and uploads it again.
            self.page_title = ImportPreviewView.page_title
            self.template_name = ImportPreviewView.template_name
            return self.render(
                preview=preview,
                file_name=upload.name,
                batch=None,
                **_readable(request, preview),
                **_links(),
            )
        pending = hold_upload(
            file_name=upload.name,
            file_format=result.format,
            by=request.user,
            options=options,
            data=data,
        )
        return redirect("quiz_import_preview", token=pending.token)


def _preview(result, options: dict):
    return build_preview(
        result,
        default_category_path=DEFAULT_CATEGORY,
        category_prefix=options.get("category", ""),
        new_status=options.get("status", Question.Status.ACTIVE),
        strict=bool(options.get("strict")),
    )


def _readable(request, preview) -> dict:
    """Every question as staff will see it, filtered by ?status= and paged by ?page=."""
    rows = preview_rows(preview)
    status = request.GET.get("status", "")
    status = status if status in STATUS_LABELS else ""
    return {
        "rows": rows_page(rows, status=status, page=request.GET.get("page")),
        "row_count": len(rows),
        "status_counts": status_counts(rows),
        "status_filter": status,
    }


class ImportPreviewView(InterchangeView):
    """预览: counts per type, duplicates, every issue; 确认导入 applies it (once)."""

    page_title = "导入预览"
    template_name = "quizzes/admin/import_preview.html"

    def _pending(self, token: str) -> QuestionImport:
        batch = pending_upload(token=token, user=self.request.user)
        if batch is None:
            raise Http404("没有这次导入，或它不是您上传的。")
        return batch

    def _parse(self, batch: QuestionImport):
        result = read_file(bytes(batch.data), batch.file_name, batch.format)
        return _preview(result, batch.options)

    def get(self, request, token: str):
        batch = self._pending(token)
        if batch.status == QuestionImport.Status.APPLIED:
            return self.render(batch=batch, file_name=batch.file_name, done=True, **_links())
        try:
            preview = self._parse(batch)
        except FileRejected as rejected:  # cannot happen for a file that was valid on upload
            messages.error(request, str(rejected))
            return redirect("quiz_import")
        return self.render(
            preview=preview,
            file_name=batch.file_name,
            batch=batch,
            **_readable(request, preview),
            **_links(),
        )

    def post(self, request, token: str):
        batch = self._pending(token)
        if batch.status == QuestionImport.Status.APPLIED:
            messages.warning(request, "这个文件已经导入过了，没有重复导入。")
            return redirect("quiz_import_preview", token=token)
        try:
            preview = self._parse(batch)
            batch = apply_import(
                preview,
                user=request.user,
                filename=batch.file_name,
                batch=batch,
                sha256=hashlib.sha256(bytes(batch.data)).hexdigest(),
            )
        except (FileRejected, ImportRefused) as refused:
            messages.error(request, str(refused))
            return redirect("quiz_import_preview", token=token)
        messages.success(
            request,
            f"已导入“{batch.file_name}”：新建 {batch.created_count} 道，更新 {batch.updated_count} 道，"
            f"不变 {batch.unchanged_count} 道，跳过 {batch.skipped_count} 道。",
        )
        return redirect("quiz_import_preview", token=token)


class TemplateDownloadView(InterchangeView):
    permission = "quizzes.view_question"

    def get(self, request, kind: str):
        if kind == "xlsx":
            data, content_type = template_xlsx(), FORMATS["xlsx"].content_type
        elif kind == "csv":
            data, content_type = template_csv(), FORMATS["csv"].content_type
        else:
            raise Http404
        return _download(data, f"试题导入模板.{kind}", content_type)


class ExportView(InterchangeView):
    permission = "quizzes.view_question"
    page_title = "导出试题"
    template_name = "quizzes/admin/export_form.html"

    def get(self, request):
        if "format" not in request.GET:
            return self.render(form=ExportForm(), **_links())
        form = ExportForm(request.GET)
        if not form.is_valid():
            return self.render(form=form, **_links())
        data = form.cleaned_data
        questions = list(
            questions_for_export(
                category=data["category"],
                qtype=data["type"],
                status=data["status"],
                difficulty=data["difficulty"],
            )
        )
        if not questions:
            form.add_error(None, "没有符合条件的试题，请放宽筛选条件。")
            return self.render(form=form, **_links())
        spec = FORMATS[data["format"]]
        name = f"题库{'-' + data['category'].name if data['category'] else ''}-{timezone.localdate():%Y%m%d}"
        return _download(
            write_file(questions, spec.key), f"{name}{spec.extensions[0]}", spec.content_type
        )


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type
    )
