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

from . import disclosure, marking, services
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


@login_required
@requires(can_mark, NO_MARKING_ACCESS)
def mark_item(request, item_id: int):
    _not_sitting_an_exam(request.user)
    item = marking.markable_item_or_404(user=request.user, item_id=item_id)
    gate = disclosure.attempt_disclosure(
        attempt=item.attempt, viewer=request.user, now=timezone.now()
    )
    if not gate.answers:
        raise Http404("没有这道待阅的题目")
    if not item.needs_review:
        messages.info(request, f"{_person(item)}的这道简答题已经阅过，不需要再阅。")
        return redirect("quizzes:marking_queue")
    form = MarkingForm(request.POST if request.method == "POST" else None, marking=item.marking)
    # An invalid form is shown again with its errors (阅卷未保存 …), and nothing is written.
    if form.is_bound and form.is_valid():
        try:
            attempt = services.mark_short_answer(
                item_id=item.pk,
                reviewer=request.user,
                decisions=form.decisions(),
                now=timezone.now(),
            )
        except services.ExamError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _marked_message(item, attempt))
            return redirect("quizzes:marking_queue")
    return render(
        request,
        "quizzes/marking/mark_item.html",
        {
            "item": item,
            "form": form,
            "person": _person(item),
            "profile": getattr(item.attempt.user, "staff_profile", None),
        },
    )


def _marked_message(item, attempt) -> str:
    item.refresh_from_db(fields=["awarded"])
    text = (
        f"已阅：{_person(item)}《{item.attempt.exam.title}》第 {item.position} 题得 "
        f"{item.awarded.normalize():f} / {item.max_score.normalize():f} 分。"
    )
    if attempt.status == attempt.Status.GRADED:
        verdict = "及格" if attempt.passed else "不及格"
        return text + f"该试卷已出分：{attempt.score.normalize():f} 分，{verdict}。"
    left = marking.remaining_in_attempt(attempt_id=attempt.pk)
    return text + f"该试卷还有 {left} 道简答题待阅。"


urlpatterns = [
    path("marking/", marking_queue, name="marking_queue"),
    path("marking/<int:item_id>/", mark_item, name="mark_item"),
]
