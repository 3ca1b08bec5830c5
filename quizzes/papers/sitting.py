"""The open paper's live status: what the page polls every 15 seconds (and every save answers
too) so that extra time, a void or a cancellation reaches it within 30 seconds without a save.

The answer is read from the cache (quizzes/papers/status_cache.py says when it is forgotten): a
poll storm from one page reads the attempt's row once. Only the deadline is cached, never the
remaining time, which is worked out on the server's clock at each answer. Nothing here shows a
key, an explanation or a score: the status says only whether and why the paper is still open.
"""

from datetime import datetime

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from ..changes.models import ExamChange
from .models import Attempt
from .status_cache import (
    STATUS_TIMEOUT,
    attempt_generation_key,
    attempt_key,
    exam_version_key,
)

SUBMITTED_STATES = (Attempt.Status.GRADED, Attempt.Status.PENDING_REVIEW)


def _read_attempt(public_id, generation) -> dict | None:
    attempt = (
        Attempt.objects.select_related("exam")
        .only(
            "public_id",
            "user_id",
            "status",
            "deadline_at",
            "extra_minutes",
            "void_reason",
            "auto_submitted",
            "exam__status",
        )
        .filter(public_id=public_id)
        .first()
    )
    if attempt is None:
        return None
    cancel_reason = ""
    if attempt.status in SUBMITTED_STATES and attempt.auto_submitted:
        cancel_reason = (
            ExamChange.objects.filter(exam_id=attempt.exam_id, kind=ExamChange.Kind.CANCEL)
            .values_list("reason", flat=True)
            .first()
        ) or ""
    return {
        "user_id": attempt.user_id,
        "exam_id": attempt.exam_id,
        "generation": generation,
        "exam_version": cache.get(exam_version_key(attempt.exam_id)),
        "state": attempt.status,
        "deadline": attempt.deadline_at.timestamp(),
        "extra_minutes": attempt.extra_minutes,
        "void_reason": attempt.void_reason,
        "auto_submitted": attempt.auto_submitted,
        "cancel_reason": cancel_reason,
    }


def _cached_entry(public_id, exam_id: int | None = None) -> dict | None:
    """The attempt's status entry: from the cache while neither the attempt nor its exam changed
    (two cache reads — one when the caller knows the exam, as a save does — and no query),
    otherwise read from the database (two queries at most)."""
    key, generation_key = attempt_key(public_id), attempt_generation_key(public_id)
    keys = [key, generation_key]
    if exam_id is not None:
        keys.append(exam_version_key(exam_id))
    found = cache.get_many(keys)
    entry, generation = found.get(key), found.get(generation_key)
    if entry is not None and entry["generation"] == generation:
        if exam_id is not None and entry["exam_id"] == exam_id:
            version = found.get(exam_version_key(exam_id))
        else:
            version = cache.get(exam_version_key(entry["exam_id"]))
        if entry["exam_version"] == version:
            return entry
    entry = _read_attempt(public_id, generation)
    if entry is not None:
        cache.set(key, entry, STATUS_TIMEOUT)
    return entry


def message_for(entry: dict) -> str:
    """Why the paper is (no longer) open, as the page says it."""
    state = entry["state"]
    if state == Attempt.Status.VOIDED:
        reason = entry["void_reason"] or "未说明"
        return f"本次作答已被作废，原因：{reason}"
    if entry["cancel_reason"]:
        return f"考试已取消（{entry['cancel_reason']}），您的答卷已自动提交。"
    if state in SUBMITTED_STATES:
        return "时间到，已自动交卷" if entry["auto_submitted"] else "试卷已提交。"
    if entry["extra_minutes"]:
        return f"班组长已为您延长 {entry['extra_minutes']} 分钟"
    return ""


def paper_status(
    *, public_id, user_id: int, now: datetime, exam_id: int | None = None
) -> dict | None:
    """The paper's status as the page reads it (JSON-ready), or None when there is no such
    attempt of this person (the view answers 404). No query while the cached entry holds; the
    attempt's exam, when the caller knows it, saves a cache call."""
    entry = _cached_entry(public_id, exam_id)
    if entry is None or entry["user_id"] != user_id:
        return None
    remaining = entry["deadline"] - now.timestamp()
    state = entry["state"]
    return {
        "state": state,
        "open": state == Attempt.Status.IN_PROGRESS,
        "remaining_seconds": max(0, int(remaining)),
        "deadline": timezone.localtime(
            datetime.fromtimestamp(entry["deadline"], tz=timezone.get_current_timezone())
        ).strftime("%H:%M:%S"),
        "extra_minutes": entry["extra_minutes"],
        "voided": state == Attempt.Status.VOIDED,
        "void_reason": entry["void_reason"],
        "cancelled": bool(entry["cancel_reason"]),
        "auto_submitted": entry["auto_submitted"],
        "message": message_for(entry),
        "result_url": reverse("quizzes:result", args=[public_id]),
    }
