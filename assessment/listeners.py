"""The monthly assessment's ear on the exam engine: a changed monthly exam result becomes a
background job (django-tasks, the "background" database queue) that recomputes the person's
record, so grading a paper never waits for the record.

The job is the same recomputation as before (services.record_exam_result: the best counted score;
for a submitted or locked month the new value is held, HeldScoreChange), names the same person or
task as the cause (by / job), and may run twice: it recomputes from what is stored, so a second
run changes nothing. A job that fails is run again (portal.jobs.retry) and stays visible in the
admin's 后台任务 listing.

`ASSESSMENT_RECORDS_IN_BACKGROUND = False` (the test settings) or `records_at_once()` (the demo
history, which locks months right after its exams) recompute inside the caller instead.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model

from portal.jobs.retry import retried_task
from quizzes import results

from .services import record_exam_result

_at_once: ContextVar[bool] = ContextVar("assessment_records_at_once", default=False)


@contextmanager
def records_at_once() -> Iterator[None]:
    """Within this block, records are recomputed as soon as a result changes (no job)."""
    token = _at_once.set(True)
    try:
        yield
    finally:
        _at_once.reset(token)


def in_background() -> bool:
    return getattr(settings, "ASSESSMENT_RECORDS_IN_BACKGROUND", True) and not _at_once.get()


@retried_task(attempts=5, delay=timedelta(minutes=1))
def refresh_exam_record(*, user_id: int, month: str, reason: str, by_id: int | None, job: str):
    """Recompute one person's record for one month from their monthly exams (idempotent)."""
    by = get_user_model().objects.filter(pk=by_id).first() if by_id is not None else None
    record_exam_result(
        results.ResultChange(
            user_id=user_id, month=date.fromisoformat(month), reason=reason, by=by, job=job
        )
    )
    return f"{user_id}:{month}"


def exam_result_changed(change: results.ResultChange) -> None:
    """Listener (apps.py): queue the record's recomputation (one INSERT), or do it now."""
    if not in_background():
        record_exam_result(change)
        return
    refresh_exam_record.enqueue(
        user_id=change.user_id,
        month=change.month.isoformat(),
        reason=change.reason,
        by_id=getattr(change.by, "pk", None),
        job=change.job,
    )
