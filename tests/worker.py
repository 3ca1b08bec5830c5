"""Running the background queue in tests the way `manage.py run_worker` (django-tasks-db's
db_worker) does: take the next ready task under the worker's lock, claim it and run it with the
worker's own run_task. Used inside a test's transaction, where db_worker's loop would close the
connection; tests/portal/test_notifications.py also runs the real command."""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

BACKEND = "background"


def run_queue(*, limit: int = 500, worker_id: str = "test-worker") -> int:
    """Run ready tasks until none is left (or `limit`); returns how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=BACKEND,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        tasks = DBTaskResult.objects.ready().filter(backend_name=BACKEND)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(worker_id)
        if task_result is None:
            return ran
        worker.run_task(task_result)
        ran += 1
    return ran


def queued(task_name: str = "") -> int:
    tasks = DBTaskResult.objects.ready().filter(backend_name=BACKEND)
    if task_name:
        tasks = tasks.filter(task_path__endswith=task_name)
    return tasks.count()


def failed() -> list[str]:
    return [
        f"{task.task_path}: {task.exception_class_path} {task.traceback}"
        for task in DBTaskResult.objects.failed().filter(backend_name=BACKEND)
    ]
