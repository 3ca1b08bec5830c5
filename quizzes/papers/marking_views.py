"""阅卷: supervisors mark the short answers of their teams' exam papers, key point by key point."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from portal.organisation.permissions import can_mark, requires

from . import disclosure, marking, marking_services, services
from .forms import MarkingForm

QUEUE_PAGE_SIZE = 30
NO_MARKING_ACCESS = "只有班组长、值长和人资人员可以阅卷。"


def _not_sitting_an_exam(user) -> None:
    if disclosure.open_attempt_exists(user=user, now=timezone.now()):
        raise PermissionDenied("您正在参加考试，考试期间不能阅卷。请交卷后再来。")


def _person(item) -> str:
    profile = getattr(item.attempt.user, "staff_profile", None)
    return profile.name if profile else item.attempt.user.get_username()


@login_required
@requires(can_mark, NO_MARKING_ACCESS)
def marking_queue(request):
    _not_sitting_an_exam(request.user)
    items = marking.pending_short_answers(user=request.user)
    exams = marking.pending_by_exam(user=request.user)
    selected_exam = request.GET.get("exam", "")
    if selected_exam:
        # Not a plausible id (letters, or too long for the database's integer): no exam.
        plausible = selected_exam.isascii() and selected_exam.isdigit() and len(selected_exam) < 10
        items = items.filter(attempt__exam_id=int(selected_exam) if plausible else 0)
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "quizzes/marking/queue.html",
        {
            "page": page,
            "exams": exams,
            "selected_exam": selected_exam,
            "total": sum(row["count"] for row in exams),
        },
    )


def _plausible_id(value: str) -> int | None:
    """A filter's id from the query string, or None (letters, or too long for the database)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@login_required
@requires(can_mark, NO_MARKING_ACCESS)
def marked_list(request):
    """已阅答案: what was marked, by whom, with a link to re-mark (复核)."""
    _not_sitting_an_exam(request.user)
    exam_text, marker_text = request.GET.get("exam", ""), request.GET.get("marker", "")
    exam_id, marker_id = _plausible_id(exam_text), _plausible_id(marker_text)
    items = marking.marked_short_answers(
        user=request.user,
        exam_id=exam_id if exam_text else None,
        marker_id=marker_id if marker_text else None,
    )
    if (exam_text and exam_id is None) or (marker_text and marker_id is None):
        items = items.none()
    exams, markers = marking.marked_filters(user=request.user)
    return render(
        request,
        "quizzes/marking/marked.html",
        {
            "page": Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page")),
            "exams": exams,
            "markers": markers,
            "selected_exam": exam_text,
            "selected_marker": marker_text,
        },
    )


@login_required
@requires(can_mark, NO_MARKING_ACCESS)
def mark_item(request, item_id: int):
    """Mark a waiting short answer, or re-mark (复核) a marked one with a reason."""
    _not_sitting_an_exam(request.user)
    item = marking.markable_item_or_404(user=request.user, item_id=item_id)
    gate = disclosure.attempt_disclosure(
        attempt=item.attempt, viewer=request.user, now=timezone.now()
    )
    if not gate.answers:
        raise Http404("没有这道待阅的题目")
    remark = not item.needs_review
    form = MarkingForm(
        request.POST if request.method == "POST" else None,
        marking=item.marking,
        max_score=item.max_score,
        remark=remark,
        initial={"score": item.marker_score, "comment": item.marker_comment},
    )
    # An invalid form is shown again with its errors (阅卷未保存 …), and nothing is written.
    if form.is_bound and form.is_valid():
        try:
            attempt = _save_marking(request, item, form, remark=remark)
        except services.ExamError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _marked_message(item, attempt, remark=remark))
            return redirect("quizzes:marked_list" if remark else "quizzes:marking_queue")
    return render(
        request,
        "quizzes/marking/mark_item.html",
        {
            "item": item,
            "form": form,
            "remark": remark,
            "history": marking.marking_history(item=item),
            "person": _person(item),
            "profile": getattr(item.attempt.user, "staff_profile", None),
        },
    )


def _save_marking(request, item, form: MarkingForm, *, remark: bool):
    fields = {
        "item_id": item.pk,
        "reviewer": request.user,
        "decisions": form.decisions(),
        "score": form.cleaned_data.get("score"),
        "comment": form.cleaned_data.get("comment", ""),
        "now": timezone.now(),
    }
    if remark:
        return marking_services.remark_short_answer(reason=form.cleaned_data["reason"], **fields)
    return services.mark_short_answer(**fields)


def _marked_message(item, attempt, *, remark: bool = False) -> str:
    item.refresh_from_db(fields=["awarded"])
    text = (
        f"{'已复核' if remark else '已阅'}：{_person(item)}《{item.attempt.exam.title}》第 {item.position} 题得 "
        f"{item.awarded.normalize():f} / {item.max_score.normalize():f} 分。"
    )
    if attempt.status == attempt.Status.GRADED:
        verdict = "及格" if attempt.passed else "不及格"
        return text + f"该试卷已出分：{attempt.score.normalize():f} 分，{verdict}。"
    left = marking.remaining_in_attempt(attempt_id=attempt.pk)
    return text + f"该试卷还有 {left} 道简答题待阅。"


urlpatterns = [
    path("marking/", marking_queue, name="marking_queue"),
    path("marking/marked/", marked_list, name="marked_list"),
    path("marking/<int:item_id>/", mark_item, name="mark_item"),
]
