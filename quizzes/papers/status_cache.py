"""Where the open paper's live status (quizzes.papers.sitting) is cached, and how it is forgotten.

Every open paper asks for its status every 15 seconds, so the answer lives in the cache (Redis in
production, a per-process memory cache in development and tests), one entry per attempt. An
entry records the attempt's generation and its exam's version as they were before the row was
read; saving the attempt (extra time, a void, a submission) gives it a new generation, and saving
the exam or its change log (quizzes.changes: edit, extend, cancel) gives the exam a new version
(the post_save receivers below, connected in models.py), so the entry is no longer accepted. Both
happen at once and again after the transaction commits.

This module imports no model, so models.py can connect its receivers without an import cycle.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

# A safety net only: every change that matters forgets the entry.
STATUS_TIMEOUT = 10 * 60
VERSION_TIMEOUT = 24 * 60 * 60


def attempt_key(public_id) -> str:
    return f"paper-status:{public_id}"


def attempt_generation_key(public_id) -> str:
    return f"paper-status-gen:{public_id}"


def exam_version_key(exam_id: int) -> str:
    return f"paper-status-exam:{exam_id}"


def _now_and_after_commit(action) -> None:
    action()
    transaction.on_commit(action)


def forget_status(*, public_ids) -> None:
    """The cached status of these attempts (by public id) is stale from now on. A new generation
    rather than a delete: a poll that read the row before the change and stores its answer after
    it stored it under the old generation, which no later poll accepts."""
    keys = [attempt_generation_key(public_id) for public_id in public_ids]
    if keys:
        _now_and_after_commit(
            lambda: cache.set_many({key: uuid.uuid4().hex for key in keys}, VERSION_TIMEOUT)
        )


def outdate_exam(*, exam_id: int) -> None:
    """Every cached status of the exam's attempts is stale from now on."""
    _now_and_after_commit(
        lambda: cache.set(exam_version_key(exam_id), uuid.uuid4().hex, VERSION_TIMEOUT)
    )


def attempt_saved(sender, instance, **kwargs) -> None:
    forget_status(public_ids=[instance.public_id])


def exam_saved(sender, instance, **kwargs) -> None:
    outdate_exam(exam_id=instance.pk)


def exam_change_saved(sender, instance, **kwargs) -> None:
    outdate_exam(exam_id=instance.exam_id)
