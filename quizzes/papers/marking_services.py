"""Re-marking (复核) a marked short answer: the marker, a supervisor above or HR changes the
score with a reason; the attempt is regraded, the monthly record follows (a locked month refuses
it) and the marking log keeps who changed what."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from .. import results
from .models import Attempt, AttemptQuestion, MarkingEvent
from .services import (
    ExamError,
    announce_result,
    apply_marking,
    check_markable,
    regrade_attempt,
)


def _month_problem(attempt: Attempt) -> str:
    month = attempt.exam.month
    if month is None:
        return ""
    return "；".join(results.score_change_problems(user_id=attempt.user_id, month=month))


def remark_short_answer(
    *,
    item_id: int,
    reviewer,
    decisions: list[tuple[bool, str]],
    reason: str,
    now: datetime,
    score: Decimal | None = None,
    comment: str = "",
) -> Attempt:
    """Change an already marked answer. Refused without a reason, before it was first marked, for
    a paper not submitted or voided, and when the score feeds a locked month."""
    reason = (reason or "").strip()
    if not reason:
        raise ExamError("复核必须写明原因。")
    with transaction.atomic():
        attempt_id = AttemptQuestion.objects.values_list("attempt_id", flat=True).get(pk=item_id)
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam")
            .get(pk=attempt_id)
        )
        item = AttemptQuestion.objects.get(pk=item_id)
        if item.needs_review:
            raise ExamError("该题还没有阅过，请先阅卷。")
        check_markable(attempt, item, decisions)
        problem = _month_problem(attempt)
        if problem:
            raise ExamError(problem)
        before = item.awarded
        apply_marking(item, decisions=decisions, score=score, comment=comment, by=reviewer, now=now)
        MarkingEvent.objects.create(
            item=item,
            kind=MarkingEvent.Kind.REMARK,
            by=reviewer,
            old_awarded=before,
            new_awarded=item.awarded,
            reason=reason[:300],
        )
        regrade_attempt(attempt, item, now)
    announce_result(attempt, by=reviewer, job=f"复核：{reason[:60]}")
    return attempt
