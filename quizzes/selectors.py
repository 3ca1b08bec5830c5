"""Read-side queries for exams and attempts."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from cases.models import RuleItem

from .disclosure import Disclosure, attempt_disclosure
from .models import Attempt, AttemptQuestion, Exam
from .services import exam_window_problem


@dataclass
class ExamRow:
    exam: Exam
    state: str
    attempts: list[Attempt]
    open_attempt: Attempt | None
    can_start: bool
    note: str


def exam_rows(*, user, now: datetime) -> list[ExamRow]:
    """我的考试: every published exam, with the person's state in it (two queries)."""
    from .scheduling import exams_for

    exams = list(exams_for(user).select_related("blueprint").order_by("-opens_at", "-created_at"))
    attempts_by_exam: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(user=user, exam__in=exams).order_by("number"):
        attempts_by_exam.setdefault(attempt.exam_id, []).append(attempt)
    rows = []
    for exam in exams:
        attempts = attempts_by_exam.get(exam.pk, [])
        counted = [a for a in attempts if a.status != Attempt.Status.VOIDED]
        open_attempt = next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None)
        problem = exam_window_problem(exam, now)
        allowed = exam.effective_attempts_allowed
        left = (allowed - len(counted)) if allowed else None
        if open_attempt:
            left_minutes = max(0, int((open_attempt.deadline_at - now).total_seconds() // 60))
            state, note = "进行中", f"剩余约 {left_minutes} 分钟"
        elif exam.opens_at and now < exam.opens_at:
            state, note = "未开始", problem
        elif any(a.status == Attempt.Status.PENDING_REVIEW for a in counted):
            state, note = "待阅卷", "客观题已出分，简答题等待阅卷"
        elif counted and (left == 0 or problem):
            state, note = "已出分", ""
        elif problem:
            state, note = "缺考" if not counted else "已出分", problem
        else:
            state = "可参加"
            note = "不限次数" if left is None else f"还可作答 {left} 次"
        can_start = bool(open_attempt) or (not problem and (left is None or left > 0))
        rows.append(ExamRow(exam, state, attempts, open_attempt, can_start, note))
    return rows


def own_attempt_or_404(*, user, public_id) -> Attempt:
    attempt = (
        Attempt.objects.select_related("exam", "exam__blueprint")
        .filter(public_id=public_id, user=user)
        .first()
    )
    if attempt is None:
        raise Http404("作答记录不存在")
    return attempt


def paper_questions(attempt: Attempt) -> QuerySet[AttemptQuestion]:
    """What the paper page may show: never the answer key (it is deferred, not even loaded)."""
    return (
        AttemptQuestion.objects.filter(attempt=attempt)
        .defer("answer_key", "explanation", "marking", "awarded", "is_correct")
        .order_by("position")
    )


def review_questions(attempt: Attempt) -> list[AttemptQuestion]:
    return list(
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("question")
        .prefetch_related(
            Prefetch("question__rules", queryset=RuleItem.objects.select_related("rule_set")),
            "question__qa_items",
            "question__cases",
        )
        .order_by("position")
    )


def review_rules(*, attempt: Attempt, viewer, now: datetime) -> Disclosure:
    """What the review of this attempt may show this viewer now: the gate decides."""
    return attempt_disclosure(attempt=attempt, viewer=viewer, now=now)
