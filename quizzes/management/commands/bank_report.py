"""`manage.py bank_report [--json]`: the bank report (题库概况) for editors."""

import json

from django.core.management.base import BaseCommand

from quizzes.bank.report import bank_report


def _counts(counts: dict) -> str:
    return "，".join(f"{label} {n}" for label, n in counts.items())


class Command(BaseCommand):
    help = "题库概况：题型、状态、难度、分类的题数，案例分析材料与小题，案例覆盖，变式，互斥组，各规范的题数。"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出")

    def handle(self, *args, json=False, **options):  # noqa: A002 - the option's name
        report = bank_report()
        if json:
            self.stdout.write(_dumps(report.as_json()))
            return
        for line in lines(report):
            self.stdout.write(line)


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def lines(report) -> list[str]:
    out = [
        f"试题：共 {report.questions_total} 道，可用（启用）{report.questions_active} 道"
        f"（单独的试题 {report.standalone_active} 道，案例分析小题 {report.subquestions_active} 道）",
        f"  按状态：{_counts(report.by_status)}",
        f"  启用的按题型：{_counts(report.by_type)}",
        f"  启用的按难度：{_counts(report.by_difficulty)}",
        "  启用的按分类：",
        *[f"    {path}：{n}" for path, n in report.by_category.items()],
        f"案例分析材料：共 {report.materials_total} 份，启用 {report.materials_active} 份，"
        f"每份 {report.material_subquestions_min}–{report.material_subquestions_max} 道小题；"
        f"变式 {report.variants} 份",
        f"  覆盖案例 {report.cases_covered} 个；未覆盖：{'、'.join(report.cases_not_covered) or '无'}",
        f"  材料中出现案例标题的：{report.materials_naming_case_title} 份"
        + (
            f"（{'、'.join(report.materials_naming_case_title_codes)}）"
            if report.materials_naming_case_title
            else ""
        ),
        f"互斥组：{report.exclusion_groups} 组，涉及 {report.exclusion_group_members} 道试题",
        "各规范的启用试题与材料：",
        *[
            f"  {row.name}（{row.code}）：试题 {row.questions} 道，材料 {row.materials} 份"
            for row in report.rule_sets
        ],
    ]
    return out
