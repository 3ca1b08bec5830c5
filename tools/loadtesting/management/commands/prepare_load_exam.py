"""`manage.py prepare_load_exam --takers 2000 --output var/load/exam.json` (make loadtest)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tools.loadtesting.load_exam import LoadExamError, prepare_load_exam


class Command(BaseCommand):
    help = "为负载测试安排一场月度考试，创建模拟考生并为其建立登录会话，写入 JSON 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--takers", type=int, default=2000, help="模拟考生人数")
        parser.add_argument("--time-limit", type=int, default=60, help="答题时长（分钟）")
        parser.add_argument("--output", required=True, help="写入考试编号与会话的 JSON 文件")

    def handle(self, *args, takers, time_limit, output, **options):
        try:
            prepared = prepare_load_exam(
                takers=takers, now=timezone.now(), time_limit_minutes=time_limit
            )
        except LoadExamError as error:
            raise CommandError(str(error)) from error
        from django.conf import settings

        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "exam_id": prepared.exam_id,
                    "title": prepared.title,
                    "start_path": prepared.start_path,
                    "session_cookie": settings.SESSION_COOKIE_NAME,
                    "csrf_cookie": settings.CSRF_COOKIE_NAME,
                    "sessions": prepared.sessions,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        self.stdout.write(
            f"已安排考试「{prepared.title}」（编号 {prepared.exam_id}），考生 {len(prepared.sessions)} 人"
            f"（新建 {prepared.users_created} 人），会话已写入 {path}。"
        )
