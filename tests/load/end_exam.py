"""The end of the load test's exam, before its database check: the window closes and the
release of results runs, as on exam day when the worker's clock reaches the closing time
(quizzes.papers.services.release_due_results, run by close_exams). Since issue 17 a monthly
exam's graded answers enter the answer records only then, and verify_load_exam counts them.

Run inside `manage.py shell` under the load-test settings (tests/load/server.manage)."""

from django.utils import timezone

from quizzes.models import Exam
from quizzes.papers import services


def end_exam(*, exam_id: int) -> int:
    """Close the exam's window now and release what its review policy allows; returns how many
    attempts were released."""
    now = timezone.now()
    Exam.objects.filter(pk=exam_id, closes_at__gt=now).update(closes_at=now)
    return services.release_due_results(now=now)
