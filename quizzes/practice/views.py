"""Self-study pages: choose what to practise, one question at a time with immediate feedback,
案例练习 (a case-analysis material with all its sub-questions, feedback per sub-question), and the
wrong-answer book (错题本). The rules live in selectors.py and services.py beside them; these views
only read the request and render.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ..bank.choices import QuestionType
from ..bank.models import Question
from ..papers import disclosure
from . import selectors, services, sessions
from .selectors import PracticeError, PracticeRefused
from .sessions import Kind, PracticeSession


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
    return render(
        request,
        "quizzes/practice/home.html",
        {"choices": choices, "lengths": sessions.LENGTHS},
    )


SESSION_GONE = "这组练习已结束或不存在（练习组只在本次登录中保留），请从练习首页重新开始。"


def _session_of(request, data) -> PracticeSession | None:
    """The practice session named in the request (?session= or the form's field); Http404 for
    an id that is not one of the person's sessions."""
    session_id = data.get("session", "")
    if not session_id:
        return None
    session = sessions.find(request=request, session_id=session_id)
    if session is None:
        raise Http404(SESSION_GONE)
    return session


def _summary_url(session: PracticeSession) -> str:
    return reverse("quizzes:practice_session", args=[session.id])


@login_required
@closed_during_exam
@require_GET
def practice_question(request):
    try:
        session = _session_of(request, request.GET)
        raw_scope = session.scope if session else request.GET.get("scope", "")
        scope = selectors.resolve_scope(raw=raw_scope)
    except PracticeError as error:
        return _problem(request, str(error))
    except Http404:
        return _problem(request, SESSION_GONE, status=404)
    if session and session.is_finished:
        return redirect(_summary_url(session))
    question = selectors.next_question(
        user=request.user,
        scope=scope,
        after=selectors.as_pk(request.GET.get("after")),
        exclude=session.answered if session else None,
        only=session.questions if session else None,
    )
    if question is None and session and session.done:
        sessions.finish(request=request, session=session)
        return redirect(_summary_url(session))
    ticket = selectors.issue_ticket(user=request.user, question=question) if question else ""
    return render(
        request,
        "quizzes/practice/question.html",
        {
            "scope": scope,
            "question": question,
            "given": {},
            "ticket": ticket,
            "session": session,
            "reason": session.reason_for(question.pk) if session and question else "",
            "lengths": sessions.LENGTHS,
        },
    )


@login_required
@closed_during_exam
def practice_answer(request):
    if request.method != "POST":
        return redirect("quizzes:practice_home")
    try:
        session = _session_of(request, request.POST)
        scope = selectors.resolve_scope(raw=request.POST.get("scope", ""))
        ticket = selectors.redeem_ticket(user=request.user, raw=request.POST.get("ticket"))
    except PracticeError as error:
        return _problem(request, str(error), status=403)
    except Http404:
        return _problem(request, SESSION_GONE, status=404)
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
                "session": session,
                "reason": session.reason_for(question.pk) if session else "",
                "lengths": sessions.LENGTHS,
            },
            status=400,
        )
    if session:
        sessions.record(
            request=request,
            session=session,
            item_id=question.pk,
            results={question.pk: feedback.correct},
        )
    return render(
        request,
        "quizzes/practice/feedback.html",
        {"scope": scope, "feedback": feedback, "question": question, "session": session},
    )


@login_required
@closed_during_exam
@require_GET
def wrongbook(request):
    chosen, problems = selectors.read_wrongbook_filter(request.GET)
    for problem in problems:
        messages.error(request, problem)
    book = selectors.wrongbook_page(
        user=request.user, page_number=request.GET.get("page", 1), chosen=chosen
    )
    return render(
        request,
        "quizzes/practice/wrongbook.html",
        {"book": book, "scope": selectors.WRONGBOOK_SCOPE},
    )


def _back_to_wrongbook(chosen) -> str:
    url = reverse("quizzes:wrongbook")
    return f"{url}?{chosen.query}" if chosen.query else url


@login_required
@closed_during_exam
@require_POST
def wrongbook_remove_entry(request, entry_id: int):
    """移出错题本, one entry: the person's own open entry, else 404."""
    entries = selectors.open_wrong_entries(user=request.user).filter(pk=entry_id)
    if not entries.exists():
        raise Http404("错题不存在")
    services.remove_from_wrongbook(user=request.user, entries=entries, now=timezone.now())
    messages.success(request, "已移出错题本。再答错时会重新记入。")
    chosen, _ = selectors.read_wrongbook_filter(request.POST)
    return redirect(_back_to_wrongbook(chosen))


@login_required
@closed_during_exam
@require_POST
def wrongbook_remove_filtered(request):
    """移出错题本, every open entry the filter shows (all of the book when it is empty)."""
    chosen, problems = selectors.read_wrongbook_filter(request.POST)
    if problems:
        for problem in problems:
            messages.error(request, problem)
        messages.error(request, "筛选条件有误，没有移出任何题目。")
        return redirect("quizzes:wrongbook")
    if request.POST.get("confirm") != "yes":
        messages.error(request, "请勾选“确认移出”后再提交，没有移出任何题目。")
        return redirect(_back_to_wrongbook(chosen))
    removed = services.remove_from_wrongbook(
        user=request.user,
        entries=selectors.open_wrong_entries(user=request.user, chosen=chosen),
        now=timezone.now(),
    )
    messages.success(request, f"已将 {removed} 道题移出错题本。再答错时会重新记入。")
    return redirect(_back_to_wrongbook(chosen))


@login_required
@closed_during_exam
@require_POST
def wrongbook_practise(request):
    """重练这些题: a practice session of exactly the questions the filter shows."""
    chosen, problems = selectors.read_wrongbook_filter(request.POST)
    if problems:
        return _problem(request, " ".join(problems))
    ids, left_out = selectors.wrongbook_question_ids(user=request.user, chosen=chosen)
    if not ids:
        return _problem(
            request,
            "筛选出的错题中没有可单独练习的题目"
            + ("（案例分析小题请点“连同材料再练一次”）。" if left_out else "。"),
        )
    if left_out:
        messages.info(
            request, f"另有 {left_out} 道案例分析小题不在本组中，请在错题本中连同材料再练。"
        )
    session = sessions.start(
        request=request,
        kind=Kind.QUESTION,
        scope=selectors.RANDOM_SCOPE.param,  # exactly `questions`, whatever the book holds
        label="重练错题",
        length=len(ids),
        questions=ids,
    )
    return redirect(f"{reverse('quizzes:practice_question')}?session={session.id}")


# Practice sessions (练习组) ------------------------------------------------------------------------


def _read_length(raw) -> int:
    try:
        length = int(raw)
    except (TypeError, ValueError):
        length = 0
    if length not in sessions.LENGTHS:
        raise PracticeError("每组题数只能选 10、20 或 50。")
    return length


@login_required
@closed_during_exam
@require_POST
def practice_session_start(request):
    """Start a session of 10, 20 or 50 questions (kind=question) or materials (kind=material) in a
    scope; fewer when the scope holds fewer."""
    kind = request.POST.get("kind") or Kind.QUESTION
    try:
        if kind not in (Kind.QUESTION, Kind.MATERIAL):
            raise PracticeError("练习方式无效：请选择“题目”或“案例练习”。")
        length = _read_length(request.POST.get("length"))
        raw = request.POST.get("scope", "")
        scope = selectors.resolve_scope(raw=raw or "random")
    except PracticeError as error:
        return _problem(request, str(error))
    if kind == Kind.MATERIAL:
        available = selectors.materials_in_scope(user=request.user, scope=scope).count()
        page = "quizzes:practice_material"
    else:
        available = selectors.questions_in_scope(user=request.user, scope=scope).count()
        page = "quizzes:practice_question"
    if not available:
        return _problem(request, f"“{scope.label}”范围内目前没有可练习的题目，请换一个范围。")
    session = sessions.start(
        request=request,
        kind=kind,
        scope=scope.param,
        label=scope.label,
        length=min(length, available),
    )
    return redirect(f"{reverse(page)}?session={session.id}")


@login_required
@closed_during_exam
@require_GET
def practice_session(request, session_id: str):
    """The session's summary: score, time, weak points, links to the rules (the person's own
    session only; 404 otherwise)."""
    session = sessions.find(request=request, session_id=session_id)
    if session is None:
        return _problem(request, SESSION_GONE, status=404)
    ended = session.finished_at or timezone.now()
    summary = selectors.session_summary(
        results=session.results, started=session.started_at, ended=ended
    )
    return render(
        request,
        "quizzes/practice/session_summary.html",
        {
            "session": session,
            "summary": summary,
            "scope": selectors.resolve_scope(raw=session.scope),
        },
    )


@login_required
@closed_during_exam
@require_POST
def practice_session_finish(request, session_id: str):
    """结束本组: end a session before its last question and see the summary."""
    session = sessions.find(request=request, session_id=session_id)
    if session is None:
        return _problem(request, SESSION_GONE, status=404)
    sessions.finish(request=request, session=session)
    return redirect(_summary_url(session))


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
        session = _session_of(request, request.GET)
        scope = _material_scope(session.scope if session else request.GET.get("scope", ""))
    except PracticeError as error:
        return _problem(request, str(error))
    except Http404:
        return _problem(request, SESSION_GONE, status=404)
    if session and session.is_finished:
        return redirect(_summary_url(session))
    material = selectors.next_material(
        user=request.user,
        scope=scope,
        after=selectors.as_pk(request.GET.get("after")),
        exclude=session.answered if session else None,
    )
    if material is None and session and session.done:
        sessions.finish(request=request, session=session)
        return redirect(_summary_url(session))
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
            "session": session,
            "lengths": sessions.LENGTHS,
        },
    )


@login_required
@closed_during_exam
def practice_material_answer(request):
    if request.method != "POST":
        return redirect("quizzes:practice_home")
    try:
        session = _session_of(request, request.POST)
        scope = _material_scope(request.POST.get("scope", ""))
        ticket = selectors.redeem_material_ticket(user=request.user, raw=request.POST.get("ticket"))
    except PracticeError as error:
        return _problem(request, str(error), status=403)
    except Http404:
        return _problem(request, SESSION_GONE, status=404)
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
                "session": session,
                "lengths": sessions.LENGTHS,
            },
            status=400,
        )
    if session:
        sessions.record(
            request=request,
            session=session,
            item_id=material.pk,
            results={item.question.pk: item.correct for item in feedback.items},
        )
    return render(
        request,
        "quizzes/practice/material_feedback.html",
        {"scope": scope, "feedback": feedback, "material": material, "session": session},
    )


urlpatterns = [
    path("practice/", practice_home, name="practice_home"),
    path("practice/question/", practice_question, name="practice_question"),
    path("practice/answer/", practice_answer, name="practice_answer"),
    path("practice/case/", practice_material, name="practice_material"),
    path("practice/case/answer/", practice_material_answer, name="practice_material_answer"),
    path("practice/session/", practice_session_start, name="practice_session_start"),
    path("practice/session/<str:session_id>/", practice_session, name="practice_session"),
    path(
        "practice/session/<str:session_id>/finish/",
        practice_session_finish,
        name="practice_session_finish",
    ),
    path("wrongbook/", wrongbook, name="wrongbook"),
    path("wrongbook/<int:entry_id>/remove/", wrongbook_remove_entry, name="wrongbook_remove"),
    path("wrongbook/remove/", wrongbook_remove_filtered, name="wrongbook_remove_filtered"),
    path("wrongbook/practise/", wrongbook_practise, name="wrongbook_practise"),
]
