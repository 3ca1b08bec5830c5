"""Sitting an exam: my exams, start or resume, the paper with autosave, submit, result and review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.security import JsonBodyRefused, parse_json_body

from . import selectors, services
from .drawing import DrawError
from .models import Attempt


@login_required
def exam_list(request):
    rows = selectors.exam_rows(user=request.user, now=timezone.now())
    return render(request, "quizzes/exam_list.html", {"rows": rows})


@login_required
@require_POST
def start(request, exam_id: int):
    exam = selectors.startable_exam_or_404(exam_id)
    try:
        attempt = services.start_attempt(exam=exam, user=request.user, now=timezone.now())
    except (services.ExamError, DrawError) as error:
        messages.error(request, str(error))
        return redirect("quizzes:exam_list")
    if attempt.status != Attempt.Status.IN_PROGRESS:
        messages.info(request, "考试时间已到，试卷已自动提交。")
        return redirect("quizzes:result", public_id=attempt.public_id)
    return redirect(attempt.get_absolute_url())


def remaining_seconds(attempt: Attempt) -> int:
    return max(0, int((attempt.deadline_at - timezone.now()).total_seconds()))


@login_required
def attempt_paper(request, public_id):
    attempt = selectors.own_attempt_or_404(user=request.user, public_id=public_id)
    if attempt.status == Attempt.Status.IN_PROGRESS and timezone.now() > (
        attempt.deadline_at + services.SAVE_GRACE
    ):
        services.submit_attempt(attempt_id=attempt.pk, now=timezone.now(), auto=True)
        messages.info(request, "考试时间已到，试卷已自动提交。")
        return redirect("quizzes:result", public_id=attempt.public_id)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("quizzes:result", public_id=attempt.public_id)
    questions = list(selectors.paper_questions(attempt))
    return render(
        request,
        "quizzes/attempt_paper.html",
        {
            "attempt": attempt,
            "questions": questions,
            "blocks": selectors.paper_blocks(questions),
            "remaining_seconds": remaining_seconds(attempt),
            "answered": sum(1 for q in questions if q.response not in (None, "", [])),
        },
    )


@login_required
@require_POST
def save_answer(request, public_id):
    """Autosave of one answer (JSON). The page shows 已保存 only after this says so.

    Every person sitting an exam calls this every few seconds, so it reads nothing the save does
    not need: ownership, the lock and the question come from one query in services.save_answer.
    """
    try:
        if request.content_type != "application/json":  # (a form post's body is already read)
            raise ValueError("not JSON")
        # Parsed safely (depth, NaN, huge numbers) and only once: the NUL check parsed it already.
        payload = parse_json_body(request)
        position = int(payload["position"])
        raw_response = payload.get("response")
    except (JsonBodyRefused, ValueError, KeyError, TypeError, OverflowError):
        payload = None
    if payload is None:
        # Still 404 for someone else's attempt, before saying anything about the request.
        selectors.own_attempt_or_404(user=request.user, public_id=public_id)
        return JsonResponse({"saved": False, "error": "请求格式不正确，答案未保存。"}, status=400)
    now = timezone.now()
    try:
        result = services.save_answer(
            public_id=public_id,
            user=request.user,
            position=position,
            raw_response=raw_response,
            now=now,
        )
    except Attempt.DoesNotExist as missing:
        raise Http404("作答记录不存在") from missing
    except services.AnswerRefused as error:
        attempt = selectors.own_attempt_or_404(user=request.user, public_id=public_id)
        return JsonResponse(
            {
                "saved": False,
                "error": str(error),
                "submitted": attempt.status != Attempt.Status.IN_PROGRESS,
                "result_url": f"{attempt.get_absolute_url()}result/",
            },
            status=409,
        )
    local = timezone.localtime(result.saved_at)
    return JsonResponse(
        {
            "saved": True,
            "position": position,
            "saved_at": result.saved_at.isoformat(),
            "saved_at_display": local.strftime("%H:%M:%S"),
            "remaining_seconds": max(0, int((result.deadline_at - now).total_seconds())),
        }
    )


@login_required
@require_POST
def submit(request, public_id):
    attempt = selectors.own_attempt_or_404(user=request.user, public_id=public_id)
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    return redirect("quizzes:result", public_id=attempt.public_id)


@login_required
def result(request, public_id):
    attempt = selectors.own_attempt_or_404(user=request.user, public_id=public_id)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect(attempt.get_absolute_url())
    rules = selectors.review_rules(attempt=attempt, viewer=request.user, now=timezone.now())
    questions = selectors.review_questions(attempt) if rules.correctness else []
    return render(
        request,
        "quizzes/attempt_result.html",
        {
            "attempt": attempt,
            "rules": rules,
            "questions": questions,
            "blocks": selectors.paper_blocks(questions),
        },
    )
