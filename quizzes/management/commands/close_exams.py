"""Submit overdue attempts and close exams at their closing time. Run it from cron every minute:

* * * * *  cd /srv/training && .venv/bin/python manage.py close_exams
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from quizzes.papers.scheduling import close_due_exams


class Command(BaseCommand):
    help = "到时自动交卷并结束已过截止时间的考试，记录缺考（建议由 cron 每分钟运行一次）。"

    def handle(self, *args, **options):
        summary = close_due_exams(now=timezone.now())
        self.stdout.write(
            f"自动交卷 {summary.submitted} 份，结束考试 {summary.closed_exams} 场，"
            f"记录缺考 {summary.missed} 人，公布答题明细（入错题本）{summary.released} 份。"
        )
