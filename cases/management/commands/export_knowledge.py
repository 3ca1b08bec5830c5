from pathlib import Path

from django.core.management.base import BaseCommand

from cases.exporters import export_knowledge


class Command(BaseCommand):
    help = "把知识库（规范、问答、案例）导出为 fixtures/knowledge 格式的 YAML 文件。"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="输出目录")

    def handle(self, *args, directory: Path, **options):
        for path in export_knowledge(directory):
            self.stdout.write(f"已写出 {path}")
