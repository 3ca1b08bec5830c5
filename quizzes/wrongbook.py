"""错题本: every question answered wrongly, until answered right twice in a row."""

from datetime import datetime

from .models import WrongAnswer

RETIRE_AFTER_CORRECT = 2


def record_results(*, user_id: int, results: dict[int, bool], now: datetime) -> None:
    """Apply a batch of graded answers (question id → correct?) in a fixed number of queries.

    Call inside a transaction: the entries are locked so that an exam submit and a practice answer
    arriving together for the same question cannot lose one of the updates.
    """
    if not results:
        return
    entries = {
        entry.question_id: entry
        for entry in WrongAnswer.objects.select_for_update().filter(
            user_id=user_id, question_id__in=list(results)
        )
    }
    new, changed = [], []
    for question_id, correct in results.items():
        entry = entries.get(question_id)
        if entry is None:
            if not correct:
                new.append(
                    WrongAnswer(
                        user_id=user_id, question_id=question_id, wrong_count=1, last_wrong_at=now
                    )
                )
            continue
        if correct:
            if entry.retired_at is not None:
                continue
            entry.correct_streak += 1
            if entry.correct_streak >= RETIRE_AFTER_CORRECT:
                entry.retired_at = now
        else:
            entry.wrong_count += 1
            entry.correct_streak = 0
            entry.last_wrong_at = now
            entry.retired_at = None
        changed.append(entry)
    if new:
        WrongAnswer.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        WrongAnswer.objects.bulk_update(
            changed, ["wrong_count", "correct_streak", "last_wrong_at", "retired_at"]
        )
