"""The background job (django-tasks, the "background" database queue `manage.py run_worker`
works through): computing question statistics never runs inside a request."""

from django_tasks import task

BACKEND = "background"


@task(backend=BACKEND)
def compute_item_statistics(run_id: int) -> dict:
    from .services import run_statistics

    run = run_statistics(run_id=run_id)
    return {"run": run.pk, "status": run.status, "answers": run.answers}
