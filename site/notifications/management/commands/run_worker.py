"""manage.py run_worker [--no-clock] [db_worker options]: the background worker.

Runs django-tasks-db's `db_worker` on the "background" backend (every queue), after queueing
the clock's first tick unless one is waiting: the tick runs the periodic jobs (closing exams,
reminders, resuming lost deliveries) and queues the next one a minute later. Run it on one or
several servers; they share the queue in the database and one clock."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.notifications.tasks import BACKEND, schedule_tick


class Command(BaseCommand):
    help = "后台任务进程：发送站内通知、到期提醒、考试截止处理（django-tasks 数据库队列）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-clock", action="store_true", help="不安排每分钟的定时任务（只处理队列）"
        )
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务后退出")
        parser.add_argument("--max-tasks", type=int, default=None, help="最多处理这么多任务后退出")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="队列为空时的轮询间隔（秒）"
        )
        parser.add_argument("--worker-id", default=None, help="进程标识，多台服务器时各不相同")

    def handle(self, *args, no_clock, batch, max_tasks, interval, worker_id, **options):
        if not no_clock and schedule_tick():
            self.stdout.write("已安排定时任务。")
        arguments = [
            f"--backend={BACKEND}",
            "--queue-name=*",
            f"--interval={interval}",
            "--no-reload",
            "--no-startup-delay",
        ]
        if batch:
            arguments.append("--batch")
        if max_tasks:
            arguments.append(f"--max-tasks={max_tasks}")
        if worker_id:
            arguments.append(f"--worker-id={worker_id}")
        call_command("db_worker", *arguments, verbosity=options.get("verbosity", 1))
