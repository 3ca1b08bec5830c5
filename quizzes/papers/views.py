"""Sitting an exam: my exams, start or resume, the paper with autosave, flags and its live status,
submit, result and review."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.organisation import session_user
from portal.security import JsonBodyRefused, parse_json_body

from . import autosave, paper_html, selectors, services, sitting
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
        # Time was up: the result page says "时间到，已自动交卷".
        return redirect("quizzes:result", public_id=attempt.public_id)
    return redirect(attempt.get_absolute_url())


# How often an open paper asks for its status: extra time or a void reaches it within 30 s.
STATUS_POLL_SECONDS = 15
# The page submits by itself when its countdown (synchronised with the server's) reaches zero;
# such a submit is "时间到，自动交卷" if the server's clock agrees, give or take this much.
TIME_UP_TOLERANCE = timedelta(seconds=5)


def remaining_seconds(attempt: Attempt) -> int:
    return max(0, int((attempt.deadline_at - timezone.now()).total_seconds()))


@login_required
def attempt_paper(request, public_id):
    attempt = selectors.own_attempt_or_404(user=request.user, public_id=public_id)
    if attempt.status == Attempt.Status.IN_PROGRESS and timezone.now() > (
        attempt.deadline_at + services.SAVE_GRACE
    ):
        # The result page says "时间到，已自动交卷" itself.
        services.submit_attempt(attempt_id=attempt.pk, now=timezone.now(), auto=True)
        return redirect("quizzes:result", public_id=attempt.public_id)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("quizzes:result", public_id=attempt.public_id)
    # The saves from this page need not read the person's row again (session_user).
    session_user.remember(user=request.user)
    questions = list(selectors.paper_questions(attempt))
    answered = sum(1 for q in questions if selectors.is_answered(q))
    # The questions and the answer card are built in Python (paper_html.py), not by a template
    # include per question: the same markup for a tenth of the CPU time.
    return render(
        request,
        "quizzes/attempt_paper.html",
        {
            "attempt": attempt,
            "questions": questions,
            "paper_html": paper_html.paper_html(selectors.paper_blocks(questions)),
            "card_html": paper_html.answer_card_html(selectors.answer_card(questions)),
            "remaining_seconds": remaining_seconds(attempt),
            "answered": answered,
            "unanswered": len(questions) - answered,
            "flagged": sum(1 for q in questions if q.flagged),
            "status_poll_seconds": STATUS_POLL_SECONDS,
        },
    )


def _save_payload(request) -> tuple[int, object] | None:
    """(position, response) of an autosave's JSON body; None when it is not one."""
    try:
        if request.content_type != "application/json":  # (a form post's body is already read)
            raise ValueError("not JSON")
        # Parsed safely (depth, NaN, huge numbers) and only once: the NUL check parsed it already.
        payload = parse_json_body(request)
        return int(payload["position"]), payload.get("response")
    except (JsonBodyRefused, ValueError, KeyError, TypeError, OverflowError):
        return None


def _saved_reply(*, position: int, saved_at, deadline_at, now, public_id, user_id, exam_id):
    return JsonResponse(
        {
            "saved": True,
            "position": position,
            "saved_at": saved_at.isoformat(),
            "saved_at_display": timezone.localtime(saved_at).strftime("%H:%M:%S"),
            "remaining_seconds": max(0, int((deadline_at - now).total_seconds())),
            # What the status poll would say (from the cache): a save also brings news.
            "status": sitting.paper_status(
                public_id=public_id, user_id=user_id, now=now, exam_id=exam_id
            ),
        }
    )


def save_answer(request, public_id):
    """Autosave of one answer (JSON). The page shows 已保存 only after this says so.

    Every person sitting an exam calls this every few seconds. When the session checks out
    against the password hash last seen for its person (session_user.claimed), the answer is
    stored by one statement that also requires the account to be active and that hash current:
    the user's row is not read. Anything else takes the usual path (_checked_save)."""
    claimed = session_user.claimed(request) if request.method == "POST" else None
    payload = _save_payload(request) if claimed is not None else None
    if payload is not None:
        position, raw_response = payload
        now = timezone.now()
        stored = autosave.store_answer(
            position=position,
            raw_response=raw_response,
            now=now,
            grace=services.SAVE_GRACE,
            public_id=public_id,
            user_id=claimed.user_id,
            account_password=claimed.password,
        )
        if stored is not None:
            return _saved_reply(
                position=position,
                saved_at=now,
                deadline_at=stored.deadline_at,
                now=now,
                public_id=public_id,
                user_id=claimed.user_id,
                exam_id=stored.exam_id,
            )
    return _checked_save(request, public_id)


@login_required
@require_POST
def _checked_save(request, public_id):
    """The autosave with Django's full authentication: the first save of a session, every
    refusal, and every save on a database other than PostgreSQL. It says exactly why a save was
    refused, and remembers the checked session for the next saves."""
    session_user.remember(user=request.user)
    payload = _save_payload(request)
    if payload is None:
        # Still 404 for someone else's attempt, before saying anything about the request.
        selectors.own_attempt_or_404(user=request.user, public_id=public_id)
        return JsonResponse({"saved": False, "error": "请求格式不正确，答案未保存。"}, status=400)
    position, raw_response = payload
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
                "status": sitting.paper_status(
                    public_id=public_id, user_id=request.user.pk, now=timezone.now()
                ),
            },
            status=409,
        )
    return _saved_reply(
        position=position,
        saved_at=result.saved_at,
        deadline_at=result.deadline_at,
        now=now,
        public_id=public_id,
        user_id=request.user.pk,
        exam_id=result.exam_id,
    )


@login_required
@require_POST
def flag(request, public_id):
    """Set or clear the flag (标记) on one question (JSON {"position", "flagged"})."""
    try:
        if request.content_type != "application/json":
            raise ValueError("not JSON")
        payload = parse_json_body(request)
        position = int(payload["position"])
        flagged = payload["flagged"]
        if not isinstance(flagged, bool):
            raise TypeError("flagged must be true or false")
    except (JsonBodyRefused, ValueError, KeyError, TypeError, OverflowError):
        selectors.own_attempt_or_404(user=request.user, public_id=public_id)
        return JsonResponse({"saved": False, "error": "请求格式不正确，标记未保存。"}, status=400)
    try:
        services.flag_question(
            public_id=public_id,
            user=request.user,
            position=position,
            flagged=flagged,
            now=timezone.now(),
        )
    except Attempt.DoesNotExist as missing:
        raise Http404("作答记录不存在") from missing
    except services.AnswerRefused as error:
        return JsonResponse({"saved": False, "error": str(error)}, status=409)
    return JsonResponse({"saved": True, "position": position, "flagged": flagged})


@never_cache
@login_required
@require_GET
def status(request, public_id):
    """The open paper's live status (sitting.paper_status): answered from the cache, so the
    page may ask as often as it likes without reading the attempt's row again."""
    found = sitting.paper_status(public_id=public_id, user_id=request.user.pk, now=timezone.now())
    if found is None:
        raise Http404("作答记录不存在")
    return JsonResponse(found)


@login_required
@require_POST
def submit(request, public_id):
    attempt = selectors.own_attempt_or_404(user=request.user, public_id=public_id)
    now = timezone.now()
    # The page's own submit at zero is the automatic one, if the server's clock says so too.
    time_up = request.POST.get("timeup") == "1" and now >= attempt.deadline_at - TIME_UP_TOLERANCE
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=now, auto=time_up, by=request.user)
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
            "status": sitting.paper_status(
                public_id=attempt.public_id, user_id=request.user.pk, now=timezone.now()
            ),
            "rules": rules,
            "questions": questions,
            "blocks": selectors.paper_blocks(questions),
        },
    )
