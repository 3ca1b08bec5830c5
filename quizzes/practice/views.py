"""Self-study pages: choose what to practise, one question at a time with immediate feedback, and
the wrong-answer book (错题本). The rules live in selectors.py and services.py beside them; these
views only read the request and render.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..bank.choices import QuestionType
from ..bank.models import Question
from ..papers import disclosure
from . import selectors, services
from .selectors import PracticeError, PracticeRefused


def _problem(request, message: str, status: int = 400):
    return render(request, "quizzes/practice/problem.html", {"message": message}, status=status)


def closed_during_exam(view):
    """Practice and the wrong-answer book close while the person sits an exam (the gate says)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        problem = disclosure.practice_problem(user=request.user, now=timezone.now())
        if problem:
            return _problem(request, problem, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _index(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise PracticeError("答案格式不正确：所选选项不存在。") from None


def raw_response(question: Question, data):
    """The form's fields as a response: `choice`, `choices`, `truefalse`, `blank` (one per
    blank, in order) or `text`, by question type."""
    if question.type == QuestionType.SINGLE:
        value = data.get("choice", "").strip()
        return _index(value) if value else None
    if question.type == QuestionType.MULTIPLE:
        return [_index(value) for value in data.getlist("choices") if value.strip()]
    if question.type == QuestionType.TRUE_FALSE:
        value = data.get("truefalse", "").strip()
        if not value:
            return None
        if value not in ("true", "false"):
            raise PracticeError("答案格式不正确：判断题只能选择“对”或“错”。")
        return value == "true"
    if question.type == QuestionType.FILL:
        return data.getlist("blank")
    return data.get("text")


def _given(data) -> dict:
    """What the person entered, to fill the form in again after an error."""
    return {
        "choice": data.get("choice", ""),
        "choices": data.getlist("choices"),
        "truefalse": data.get("truefalse", ""),
        "blanks": data.getlist("blank"),
        "text": data.get("text", ""),
    }


@login_required
@closed_during_exam
@require_GET
def practice_home(request):
    choices = selectors.practice_choices(user=request.user)
    return render(request, "quizzes/practice/home.html", {"choices": choices})


@login_required
@closed_during_exam
@require_GET
def practice_question(request):
    try:
        scope = selectors.resolve_scope(raw=request.GET.get("scope", ""))
    except PracticeError as error:
        return _problem(request, str(error))
    question = selectors.next_question(
        user=request.user, scope=scope, after=selectors.as_pk(request.GET.get("after"))
    )
    ticket = selectors.issue_ticket(user=request.user, question=question) if question else ""
    return render(
        request,
        "quizzes/practice/question.html",
        {"scope": scope, "question": question, "given": {}, "ticket": ticket},
    )


@login_required
@closed_during_exam
def practice_answer(request):
    if request.method != "POST":
        return redirect("quizzes:practice_home")
    try:
        scope = selectors.resolve_scope(raw=request.POST.get("scope", ""))
        ticket = selectors.redeem_ticket(user=request.user, raw=request.POST.get("ticket"))
    except PracticeError as error:
        return _problem(request, str(error), status=403)
    question = ticket.question
    try:
        feedback = services.answer_question(
            user=request.user,
            question=question,
            raw_response=raw_response(question, request.POST),
            now=timezone.now(),
            ticket_nonce=ticket.nonce,
        )
    except PracticeRefused as refusal:
        return _problem(request, str(refusal), status=refusal.status)
    except PracticeError as error:
        return render(
            request,
            "quizzes/practice/question.html",
            {
                "scope": scope,
                "question": question,
                "given": _given(request.POST),
                "error": str(error),
                "ticket": request.POST.get("ticket", ""),
            },
            status=400,
        )
    return render(
        request,
        "quizzes/practice/feedback.html",
        {"scope": scope, "feedback": feedback, "question": question},
    )


@login_required
@closed_during_exam
@require_GET
def wrongbook(request):
    book = selectors.wrongbook_page(user=request.user, page_number=request.GET.get("page", 1))
    return render(
        request,
        "quizzes/practice/wrongbook.html",
        {"book": book, "scope": selectors.WRONGBOOK_SCOPE},
    )


urlpatterns = [
    path("practice/", practice_home, name="practice_home"),
    path("practice/question/", practice_question, name="practice_question"),
    path("practice/answer/", practice_answer, name="practice_answer"),
    path("wrongbook/", wrongbook, name="wrongbook"),
]
