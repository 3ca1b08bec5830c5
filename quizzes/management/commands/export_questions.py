"""Export the question bank, or part of it, as XLSX, CSV, Moodle XML or GIFT."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.interchange.formats import EXPORT_FORMATS, FORMATS, write_file
from quizzes.interchange.importing import questions_for_export
from quizzes.interchange.spreadsheet.columns import DIFFICULTY_WORDS
from quizzes.models import Question, QuestionCategory, QuestionType


class Command(BaseCommand):
    help = "导出题库（全部或按分类、题型、状态、难度筛选）为 xlsx、csv、Moodle XML 或 GIFT 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=EXPORT_FORMATS, required=True, help="导出格式")
        parser.add_argument("--output", required=True, help="输出文件路径")
        parser.add_argument(
            "--category", default="", help="只导出这个分类（含下级），如 礼仪/电话礼仪"
        )
        parser.add_argument(
            "--type", choices=QuestionType.values, default="", help="只导出这种题型"
        )
        parser.add_argument(
            "--status", choices=Question.Status.values, default="", help="只导出这种状态"
        )
        parser.add_argument(
            "--difficulty", default="", help="只导出这种难度：易、中、难（或 1、2、3）"
        )

    def handle(self, *args, **options):
        spec = FORMATS[options["format"]]
        if not spec.can_write:
            raise CommandError(f"暂不能导出为{spec.label}。")
        category = None
        if options["category"]:
            path = "/".join(p.strip() for p in options["category"].split("/") if p.strip())
            category = QuestionCategory.objects.filter(path=path).first()
            if category is None:
                raise CommandError(f"分类“{options['category']}”不存在。")
        difficulty = None
        if options["difficulty"]:
            difficulty = DIFFICULTY_WORDS.get(options["difficulty"].strip())
            if difficulty is None:
                raise CommandError(
                    f"难度只能是易、中、难（或 1、2、3），不能是“{options['difficulty']}”。"
                )
        questions = list(
            questions_for_export(
                category=category,
                qtype=options["type"],
                status=options["status"],
                difficulty=difficulty,
            )
        )
        skipped = []
        data = write_file(questions, options["format"], skipped=skipped)
        output = Path(options["output"])
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(f"无法写入 {output}：{error.strerror or error}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已导出 {len(questions) - len(skipped)} 道试题到 {output}（{spec.label}）。"
            )
        )
        if skipped:
            codes = "、".join(question.title for question in skipped)
            self.stdout.write(
                f"{spec.label}无法表示的 {len(skipped)} 道题未导出（多空填空题、案例分析材料的小题，"
                f"请改用 Moodle XML 或 Excel）：{codes}"
            )
