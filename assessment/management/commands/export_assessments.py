"""manage.py export_assessments --month YYYY-MM [--unit CODE] --format xlsx|csv --output FILE

The HR export for payroll jobs: every record of the month (no viewer restriction), the same
rows and numbers as the web export."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment import exports
from portal.months import parse_month
from portal.organisation.models import Unit


class Command(BaseCommand):
    help = "导出某月的月度考核记录（人资口径，全部人员）为 XLSX 或 CSV 文件。"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="考核月份，格式 YYYY-MM，例如 2026-12")
        parser.add_argument("--unit", default="", help="单位编码（含下级单位），不填表示全部单位")
        parser.add_argument("--format", required=True, dest="fmt", help="xlsx 或 csv")
        parser.add_argument("--output", required=True, help="输出文件路径")

    def handle(self, *args, month, unit, fmt, output, **options):
        try:
            month_date = parse_month(month)
        except ValueError as error:
            raise CommandError(str(error)) from error
        fmt = fmt.strip().lower()
        if fmt not in exports.FORMATS:
            raise CommandError(f"导出格式“{fmt}”不支持，请用 xlsx 或 csv。")
        unit_obj = None
        if unit.strip():
            unit_obj = Unit.objects.filter(code=unit.strip()).first()
            if unit_obj is None:
                raise CommandError(f"单位编码“{unit}”不存在。")
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"输出目录“{path.parent}”不存在。")
        rows = exports.export_rows(month=month_date, unit=unit_obj, viewer=None)
        # Written to a temporary name first, so a failed export never leaves half a file behind.
        partial = path.with_name(path.name + ".part")
        try:
            if fmt == "csv":
                with open(partial, "w", encoding="utf-8", newline="") as handle:
                    count = exports.write_csv(rows, handle)
            else:
                with open(partial, "wb") as handle:
                    count = exports.write_xlsx(rows, handle, title=f"{month_date:%Y-%m}月度考核")
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        scope = unit_obj.name if unit_obj else "全部单位"
        self.stdout.write(f"已导出{scope}{month_date:%Y年%m月}的考核记录 {count} 条到 {path}。")
