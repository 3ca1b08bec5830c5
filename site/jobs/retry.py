"""Tasks that are tried again when they fail.

django-tasks runs a task once: if it raises, its DBTaskResult is marked FAILED and nothing runs
it again. `retried_task` wraps a task so that a failed run queues the next one itself, `delay × n`
later (n = the run that failed), until `attempts` runs in all; every failed run stays in the
queue's table as FAILED, with its exception and traceback, for the admin listing (后台任务). The run
number travels in the task's keyword arguments (JOB_ATTEMPT), so the listing can show it.

    @retried_task(attempts=3, delay=timedelta(minutes=1))
    def refresh_month_record(*, record_id: int) -> int: ...

A retried task must be safe to run again (idempotent), as every background job here already is.
"""

import functools
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

BACKEND = "background"
JOB_ATTEMPT = "job_attempt"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # runs in all, the first included
    delay: timedelta  # before the second run; the n-th retry waits n × delay

    def describe(self) -> str:
        return f"失败后重试，共 {self.attempts} 次，间隔 {int(self.delay.total_seconds())} 秒起递增"


# module path of each retried task → its policy (the listing reads it).
POLICIES: dict[str, RetryPolicy] = {}


def retried_task(*, attempts: int = 3, delay: timedelta = timedelta(minutes=1), **task_options):
    """A django-tasks task on the background queue, run again after a failure (see above)."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    policy = RetryPolicy(attempts=attempts, delay=delay)

    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            attempt = kwargs.pop(JOB_ATTEMPT, 1)
            try:
                return function(*args, **kwargs)
            except Exception:
                if attempt < policy.attempts:
                    next_run = timezone.now() + policy.delay * attempt
                    wrapped.using(run_after=next_run).enqueue(
                        *args, **kwargs, **{JOB_ATTEMPT: attempt + 1}
                    )
                raise

        wrapped = task(backend=task_options.pop("backend", BACKEND), **task_options)(run)
        POLICIES[wrapped.module_path] = policy
        return wrapped

    return decorate


def attempt_of(kwargs: dict) -> int:
    return int(kwargs.get(JOB_ATTEMPT, 1)) if isinstance(kwargs, dict) else 1
