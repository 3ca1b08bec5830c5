"""The 试题分析 report in the Wagtail admin: the latest statistics with their flags (filter and
sort by flag), a new run queued for the worker, 停用 in bulk with a reason, adopting the measured
difficulty, and a question's recent exam answers. Editors (培训专责) only: viewing needs the
question-view permission, changing needs the question-change permission."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal.months import parse_month

from ..bank.models import Question
from ..papers.models import Exam
from . import selectors, services, tasks
from .itemstats import FLAG_LABELS, MIN_ATTEMPTS
from .models import ItemStatistic

VIEW = "quizzes.view_question"
CHANGE = "quizzes.change_question"
REPORT_URL = "item_analysis_report"


class _Permitted:
    permission = VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied("只有培训专责可以查看试题分析。")
        return super().dispatch(request, *args, **kwargs)


class ReportView(_Permitted, WagtailAdminTemplateMixin, TemplateView):
    template_name = "analysis/admin/report.html"
    page_title = "试题分析"
    header_icon = "table"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = selectors.latest_run()
        flag = self.request.GET.get("flag", "")
        sort = self.request.GET.get("sort", "code")
        query = self.request.GET.get("q", "").strip()[:80]
        context.update(
            run=run,
            pending=selectors.pending_runs().first(),
            flag=flag,
            sort=sort,
            query=query,
            flags=FLAG_LABELS,
            sorts=[
                ("code", "编码"),
                ("facility", "得分率从低到高"),
                ("-facility", "得分率从高到低"),
                ("discrimination", "区分度从低到高"),
                ("-attempts", "作答次数从多到少"),
            ],
            min_attempts=MIN_ATTEMPTS,
            exams=Exam.objects.filter(attempts__status="graded").distinct().order_by("-pk")[:50],
            can_change=self.request.user.has_perm(CHANGE),
            actions=selectors.recent_actions(limit=10),
        )
        if run is not None:
            context["rows"] = selectors.report_rows(run=run, flag=flag, sort=sort, query=query)
            context["counts"] = selectors.flag_counts(run=run)
            context["mismatches"] = selectors.difficulty_mismatches(run=run)
        return context


class RunView(_Permitted, View):
    """Queue a statistics run (the worker computes it; the page shows it when done)."""

    def post(self, request):
        exam = None
        if request.POST.get("exam"):
            exam = Exam.objects.filter(pk=_pk(request.POST["exam"])).first()
            if exam is None:
                messages.error(request, "所选考试不存在。")
                return redirect(REPORT_URL)
        since = None
        if request.POST.get("since", "").strip():
            try:
                since = parse_month(request.POST["since"])
            except ValueError as error:
                messages.error(request, str(error))
                return redirect(REPORT_URL)
        tasks.queue_statistics(by=request.user, exam=exam, since=since)
        messages.success(request, "已提交后台计算，完成后刷新本页即可看到新的统计。")
        return redirect(REPORT_URL)


class BulkView(_Permitted, View):
    """停用 the ticked questions with a reason, or adopt their measured difficulty."""

    permission = CHANGE

    def post(self, request):
        run = selectors.latest_run()
        ids = [pk for pk in map(_pk, request.POST.getlist("item")) if pk]
        items = ItemStatistic.objects.filter(run=run, pk__in=ids) if run else None
        if not ids or items is None or not items.exists():
            messages.error(request, services.NOTHING_CHOSEN)
            return redirect(REPORT_URL)
        try:
            if request.POST.get("action") == "retire":
                questions = Question.objects.filter(pk__in=items.values("question_id"))
                count = services.retire_questions(
                    questions=questions, reason=request.POST.get("reason", ""), by=request.user
                )
                messages.success(request, f"已停用 {count} 道试题。")
            elif request.POST.get("action") == "difficulty":
                count = services.adopt_measured_difficulty(items=items, by=request.user)
                messages.success(request, f"已将 {count} 道试题的难度改为实测难度。")
            else:
                messages.error(request, "请选择要执行的操作。")
        except services.AnalysisError as error:
            messages.error(request, str(error))
        return redirect(REPORT_URL)


class RecentAnswersView(_Permitted, WagtailAdminTemplateMixin, TemplateView):
    """A question's latest graded exam answers (no names: editors check the question, not people)."""

    template_name = "analysis/admin/answers.html"
    header_icon = "list-ul"

    def get_page_title(self):
        return f"最近作答：{self.question.code}"

    def get(self, request, question_id):
        self.question = get_object_or_404(Question, pk=question_id)
        return super().get(request, question_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = selectors.latest_figures(question_id=self.question.pk)
        context.update(
            question=self.question,
            answers=selectors.recent_answers(question_id=self.question.pk),
            figures=figures,
            flag_labels=[FLAG_LABELS.get(flag, flag) for flag in figures.flags] if figures else [],
            note=selectors.figures_of(figures).note if figures else "",
        )
        return context


def _pk(value) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None
