"""manage.py item_stats [--exam ID] [--since YYYY-MM] [--format csv|json] [--output FILE]

Question statistics from graded exam papers (see quizzes/analysis/itemstats.py), computed now and
stored as a run the 试题分析 page shows; printed (or written to FILE) as CSV or as a JSON list of
objects (code, version, attempts, facility 0–1, discrimination −1..1 or null under 30 answers, …).
"""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.months import parse_month
from portal.spreadsheets import csv_row
from quizzes.models import Exam

from ... import services
from ...itemstats import FLAG_LABELS
from ...selectors import run_figures

CSV_COLUMNS = [
    ("code", "编码"),
    ("version", "版本"),
    ("versions", "版本数"),
    ("type", "题型"),
    ("attempts", "作答次数"),
    ("facility", "得分率"),
    ("sd", "标准差"),
    ("discrimination", "区分度"),
    ("point_biserial", "点二列相关"),
    ("corrected_r", "校正题总相关"),
    ("median_seconds", "用时中位数（秒）"),
    ("stated_difficulty", "标注难度"),
    ("measured_difficulty", "实测难度"),
    ("flags", "问题标记"),
    ("note", "说明"),
]


class Command(BaseCommand):
    help = "计算试题统计（得分率、区分度、点二列相关、选项选择率、要点命中率），输出 CSV 或 JSON。"

    def add_arguments(self, parser):
        parser.add_argument("--exam", type=int, default=None, help="只统计这场考试（编号）")
        parser.add_argument("--since", default="", help="从该月起（YYYY-MM）")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", default="", help="写入文件（默认输出到屏幕）")

    def handle(self, *args, exam, since, format, output, **options):
        month = None
        if since.strip():
            try:
                month = parse_month(since)
            except ValueError as error:
                raise CommandError(str(error)) from error
        exam_object = None
        if exam is not None:
            exam_object = Exam.objects.filter(pk=exam).first()
            if exam_object is None:
                raise CommandError(f"没有编号为 {exam} 的考试。")
        if output and not Path(output).parent.exists():
            raise CommandError(f"文件夹“{Path(output).parent}”不存在。")
        run = services.request_run(by=None, exam=exam_object, since=month)
        run = services.run_statistics(run_id=run.pk)
        rows = [item.as_json() for item in run_figures(run=run)]
        if output:
            encoding = "utf-8-sig" if format == "csv" else "utf-8"
            with open(output, "w", encoding=encoding, newline="") as handle:
                write(rows, format, handle)
        else:
            write(rows, format, self.stdout)
        self.stderr.write(
            f"试题统计：{run.attempts} 份答卷、{run.answers} 次作答、{len(rows)} 个试题版本，"
            f"用时 {run.seconds:.1f} 秒。"
        )


def write(rows: list[dict], format: str, handle) -> None:
    if format == "json":
        handle.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    writer = csv.writer(handle)
    writer.writerow([label for _, label in CSV_COLUMNS])
    for row in rows:
        row = {**row, "flags": "；".join(FLAG_LABELS[flag] for flag in row["flags"])}
        writer.writerow(csv_row(row[key] for key, _ in CSV_COLUMNS))
