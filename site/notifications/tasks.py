"""The background jobs (django-tasks, database backend "background", run by `manage.py
run_worker`): deliver an event, and the clock tick that runs the periodic jobs once a minute."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from .delivery import deliver
from .models import Event

logger = logging.getLogger("portal.notifications")

BACKEND = "background"
TICK_SECONDS = 60
# An event still undelivered this long after it was written was lost by a worker (it died, or
# the queue was cleared): the clock queues it again.
RESUME_AFTER = timedelta(minutes=2)


@task(backend=BACKEND)
def deliver_event(event_id: int) -> int:
    return deliver(event_id=event_id)


def resume_undelivered(*, now: datetime) -> int:
    """Queue again every event that a worker should have delivered by now (it died mid-batch, or
    the queue lost it); delivery is idempotent, so a late duplicate adds nothing. A job of the
    clock (settings.BACKGROUND_JOBS)."""
    stale = Event.objects.filter(delivered_at__isnull=True, created_at__lt=now - RESUME_AFTER)
    count = 0
    for event_id in stale.values_list("pk", flat=True):
        deliver_event.enqueue(event_id)
        count += 1
    return count


@task(backend=BACKEND)
def tick() -> dict:
    """Run each job of settings.BACKGROUND_JOBS (close due exams, reminder scans, resuming lost
    deliveries), then queue the next tick a minute on unless one is already waiting. One job
    failing does not stop the others."""
    now = timezone.now()
    done = {}
    for path in settings.BACKGROUND_JOBS:
        try:
            done[path] = import_string(path)(now=now)
        except Exception:  # noqa: BLE001 — logged; the next tick tries again
            logger.exception("后台任务 %s 失败", path)
            done[path] = "failed"
    schedule_tick(delay=timedelta(seconds=TICK_SECONDS))
    return {path: str(value) for path, value in done.items()}


def schedule_tick(*, delay: timedelta = timedelta(0)) -> bool:
    """Queue a tick unless one is already waiting (several workers share one clock)."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=tick.module_path, status="READY", backend_name=BACKEND
    ).exists()
    if waiting:
        return False
    tick.using(run_after=timezone.now() + delay).enqueue()
    return True
