"""Self-study pages: choose what to practise, one question at a time with immediate feedback,
案例练习 (a case-analysis material with all its sub-questions, feedback per sub-question), and the
wrong-answer book (错题本). The rules live in selectors.py and services.py beside them; these views
only read the request and render.
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


def raw_response(question: Question, data, prefix: str = ""):
    """The form's fields as a response: `choice`, `choices`, `truefalse`, `blank` (one per
    blank, in order) or `text`, by question type (a material's sub-question: each name after
    its `prefix`)."""
    if question.type == QuestionType.SINGLE:
        value = data.get(f"{prefix}choice", "").strip()
        return _index(value) if value else None
    if question.type == QuestionType.MULTIPLE:
        return [_index(value) for value in data.getlist(f"{prefix}choices") if value.strip()]
    if question.type == QuestionType.TRUE_FALSE:
        value = data.get(f"{prefix}truefalse", "").strip()
        if not value:
            return None
        if value not in ("true", "false"):
            raise PracticeError("答案格式不正确：判断题只能选择“对”或“错”。")
        return value == "true"
    if question.type == QuestionType.FILL:
        return data.getlist(f"{prefix}blank")
    return data.get(f"{prefix}text")


def _given(data, prefix: str = "") -> dict:
    """What the person entered, to fill the form in again after an error."""
    return {
        "choice": data.get(f"{prefix}choice", ""),
        "choices": data.getlist(f"{prefix}choices"),
        "truefalse": data.get(f"{prefix}truefalse", ""),
        "blanks": data.getlist(f"{prefix}blank"),
        "text": data.get(f"{prefix}text", ""),
    }


def subquestion_prefix(question: Question) -> str:
    return f"q{question.pk}-"


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


# 案例练习 -----------------------------------------------------------------------------------------


def _material_scope(raw: str):
    return selectors.resolve_scope(raw=raw or "random")


def _asked(material, given: dict | None = None) -> list[tuple]:
    """Each sub-question with its field prefix and what was entered (after an error)."""
    given = given or {}
    return [
        (question, subquestion_prefix(question), given.get(question.pk, {}))
        for question in material.active_subquestions
    ]


@login_required
@closed_during_exam
@require_GET
def practice_material(request):
    try:
        scope = _material_scope(request.GET.get("scope", ""))
    except PracticeError as error:
        return _problem(request, str(error))
    material = selectors.next_material(
        user=request.user, scope=scope, after=selectors.as_pk(request.GET.get("after"))
    )
    ticket = (
        selectors.issue_material_ticket(user=request.user, material=material) if material else ""
    )
    return render(
        request,
        "quizzes/practice/material.html",
        {
            "scope": scope,
            "material": material,
            "asked": _asked(material) if material else [],
            "ticket": ticket,
        },
    )


@login_required
@closed_during_exam
def practice_material_answer(request):
    if request.method != "POST":
        return redirect("quizzes:practice_home")
    try:
        scope = _material_scope(request.POST.get("scope", ""))
        ticket = selectors.redeem_material_ticket(user=request.user, raw=request.POST.get("ticket"))
    except PracticeError as error:
        return _problem(request, str(error), status=403)
    material = ticket.material
    questions = material.active_subquestions
    try:
        raw = {
            question.pk: raw_response(question, request.POST, subquestion_prefix(question))
            for question in questions
        }
        feedback = services.answer_material(
            user=request.user,
            material=material,
            raw_responses=raw,
            now=timezone.now(),
            ticket_nonce=ticket.nonce,
        )
    except PracticeRefused as refusal:
        return _problem(request, str(refusal), status=refusal.status)
    except PracticeError as error:
        given = {q.pk: _given(request.POST, subquestion_prefix(q)) for q in questions}
        return render(
            request,
            "quizzes/practice/material.html",
            {
                "scope": scope,
                "material": material,
                "asked": _asked(material, given),
                "error": str(error),
                "ticket": request.POST.get("ticket", ""),
            },
            status=400,
        )
    return render(
        request,
        "quizzes/practice/material_feedback.html",
        {"scope": scope, "feedback": feedback, "material": material},
    )


urlpatterns = [
    path("practice/", practice_home, name="practice_home"),
    path("practice/question/", practice_question, name="practice_question"),
    path("practice/answer/", practice_answer, name="practice_answer"),
    path("practice/case/", practice_material, name="practice_material"),
    path("practice/case/answer/", practice_material_answer, name="practice_material_answer"),
    path("wrongbook/", wrongbook, name="wrongbook"),
]
