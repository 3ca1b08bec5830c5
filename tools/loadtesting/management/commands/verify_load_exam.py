"""`manage.py verify_load_exam --plan var/load/exam.json --events var/load/events.json`."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tools.loadtesting.load_exam import SaveEvent, verify_load_run


class Command(BaseCommand):
    help = "负载/崩溃测试之后的核对：每个已确认的保存都在数据库中，每份已交试卷恰好评分一次。"

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="prepare_load_exam 写出的 JSON 文件")
        parser.add_argument("--events", required=True, help="客户端写出的保存记录 JSON 文件")
        parser.add_argument(
            "--skip-grading", action="store_true", help="只核对答案，不核对评分（交卷之前）"
        )
        parser.add_argument("--report", help="把核对结果另存为 JSON 文件")

    def handle(self, *args, plan, events, skip_grading, report=None, **options):
        try:
            exam_id = json.loads(Path(plan).read_text(encoding="utf-8"))["exam_id"]
            data = json.loads(Path(events).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"无法读取输入文件：{error}") from error
        save_events = [SaveEvent(*row) for row in data["saves"]]
        result = verify_load_run(
            exam_id=exam_id,
            events=save_events,
            submitted=None if skip_grading else data.get("submitted", []),
        )
        summary = {
            "ok": result.ok,
            "acknowledged": result.acknowledged,
            "answers_checked": result.answers_checked,
            "answers_found": result.answers_found,
            "missing": len(result.missing),
            "attempts": result.attempts,
            "graded_once": result.graded_once,
            "records_checked": result.records_checked,
            "grading_problems": len(result.grading_problems),
            "examples": (result.missing + result.grading_problems)[:10],
        }
        if report:
            Path(report).write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
        self.stdout.write(
            f"已确认保存 {result.acknowledged} 次，涉及 {result.answers_checked} 个题目答案，"
            f"数据库中找到 {result.answers_found} 个，缺失或不符 {len(result.missing)} 个。"
        )
        if not skip_grading:
            self.stdout.write(
                f"作答 {result.attempts} 份，恰好评分一次 {result.graded_once} 份，"
                f"评分问题 {len(result.grading_problems)} 份；"
                f"考核记录已核对 {result.records_checked} 人（后台任务完成后）。"
            )
        for line in summary["examples"]:
            self.stdout.write(f"  {line}")
        if not result.ok:
            raise CommandError("核对未通过。")
        self.stdout.write("核对通过。")
