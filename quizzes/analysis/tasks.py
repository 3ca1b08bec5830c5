"""The background job (django-tasks, the "background" database queue `manage.py run_worker`
works through): computing question statistics never runs inside a request."""

from datetime import date

from django.db import transaction
from django_tasks import task

from .models import StatsRun
from .services import request_run, run_statistics

BACKEND = "background"


@task(backend=BACKEND)
def compute_item_statistics(run_id: int) -> dict:
    run = run_statistics(run_id=run_id)
    return {"run": run.pk, "status": run.status, "answers": run.answers}


def queue_statistics(*, by, exam=None, since: date | None = None) -> StatsRun:
    """A new run, queued for the worker once the request's transaction commits."""
    run = request_run(by=by, exam=exam, since=since)
    transaction.on_commit(lambda: compute_item_statistics.enqueue(run.pk))
    return run
