"""Import a question file (XLSX, CSV, Moodle XML, GIFT, Aiken) into the bank, all or nothing."""

import hashlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from quizzes.interchange.base import FileRejected, check_size
from quizzes.interchange.formats import AUTO, FORMATS, read_file
from quizzes.interchange.importing import (
    DEFAULT_CATEGORY,
    ImportRefused,
    apply_import,
    build_preview,
)
from quizzes.models import Question


class Command(BaseCommand):
    help = (
        "导入题库文件（xlsx、csv、Moodle XML、GIFT、Aiken）。先检查整个文件，"
        "有任何错误则全部列出并且不导入；没有错误时在一个事务中写入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="要导入的文件")
        parser.add_argument(
            "--format", choices=[AUTO, *FORMATS], default=AUTO, help="文件格式，默认自动识别"
        )
        parser.add_argument(
            "--category",
            default="",
            help="把所有题目放到这个分类之下（多级用 / 分隔，文件中的分类接在它后面）",
        )
        parser.add_argument(
            "--status",
            choices=[Question.Status.ACTIVE, Question.Status.DRAFT],
            default=Question.Status.ACTIVE,
            help="新建题目的状态：active 启用（默认）或 draft 草稿",
        )
        parser.add_argument("--user", default="", help="记为导入人的用户名（可不填）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示预览，不写入")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="严格模式：有无法表示的题目（如只有通配符答案的简答题）时整个文件不导入；"
            "默认跳过这些题目并列出，其余照常导入",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"用户“{options['user']}”不存在。")
        try:
            check_size(path.stat().st_size)
            data = path.read_bytes()
            result = read_file(data, path.name, options["format"])
        except FileRejected as rejected:
            raise CommandError(f"无法导入 {path.name}：{rejected}") from None
        preview = build_preview(
            result,
            default_category_path=DEFAULT_CATEGORY,
            category_prefix=options["category"],
            new_status=options["status"],
            strict=options["strict"],
        )
        self.stdout.write(f"文件：{path.name}")
        # The errors come last: their heading and their lines go to stderr together.
        stream = self.stdout
        for line in preview.summary_lines():
            if line.startswith("错误（"):
                stream = self.stderr
            stream.write(line)
        if preview.errors:
            raise CommandError(f"文件有 {len(preview.errors)} 处错误（见上），未导入任何试题。")
        if options["dry_run"]:
            self.stdout.write("试运行（--dry-run）：文件没有错误，未写入任何内容。")
            return
        try:
            batch = apply_import(
                preview,
                user=user,
                filename=path.name,
                sha256=hashlib.sha256(data).hexdigest(),
            )
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入（批次 {batch.pk}）：新建 {batch.created_count} 道，更新 {batch.updated_count} 道，"
                f"不变 {batch.unchanged_count} 道，跳过 {batch.skipped_count} 道。"
            )
        )
