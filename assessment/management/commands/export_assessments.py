"""manage.py export_assessments (--month YYYY-MM | --from YYYY-MM --to YYYY-MM | --year YYYY)
[--unit CODE] --format xlsx|csv [--summary] --output FILE

The HR export for payroll jobs: every record of the months (no viewer restriction), the same
rows and numbers as the web export. --summary adds the per-unit summary sheet to an XLSX, or
writes the summary instead of the rows to a CSV. At most 36 months at once."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment import exports, selectors
from portal.months import parse_month
from portal.organisation.models import Unit


def _period(month: str, first: str, last: str, year: str) -> tuple[date, date]:
    try:
        if year:
            if not year.isdigit() or not 2000 <= int(year) <= 2100:
                raise ValueError(f"年份“{year}”不正确，应为四位数字，例如 2026。")
            return date(int(year), 1, 1), date(int(year), 12, 1)
        if month:
            return parse_month(month), parse_month(month)
        if first and last:
            start, end = parse_month(first), parse_month(last)
            selectors.check_range(start, end)
            return start, end
    except ValueError as error:
        raise CommandError(str(error)) from error
    raise CommandError("请用 --month，或 --from 与 --to，或 --year 指定导出的月份。")


class Command(BaseCommand):
    help = "导出月度考核记录（人资口径，全部人员）为 XLSX 或 CSV：一个月、一段月份或一年。"

    def add_arguments(self, parser):
        parser.add_argument("--month", default="", help="考核月份，格式 YYYY-MM，例如 2026-12")
        parser.add_argument("--from", dest="first", default="", help="开始月份 YYYY-MM")
        parser.add_argument("--to", dest="last", default="", help="结束月份 YYYY-MM（含）")
        parser.add_argument("--year", default="", help="整年，例如 2026")
        parser.add_argument("--unit", default="", help="单位编码（含下级单位），不填表示全部单位")
        parser.add_argument("--format", required=True, dest="fmt", help="xlsx 或 csv")
        parser.add_argument(
            "--summary",
            action="store_true",
            help="XLSX 加“单位汇总”表；CSV 改为输出各单位汇总（平均分、分布、及格率、排名）",
        )
        parser.add_argument("--output", required=True, help="输出文件路径")

    def handle(self, *args, month, first, last, year, unit, fmt, summary, output, **options):
        start, end = _period(month, first, last, year)
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
        rows = selectors.export_rows(first=start, last=end, unit=unit_obj, viewer=None)
        table = (
            selectors.unit_summary(first=start, last=end, unit=unit_obj, viewer=None)
            if summary
            else None
        )
        period = exports.period_text(start, end)
        shown = f"{start:%Y年%m月}" if start == end else f"{start:%Y年%m月}至{end:%Y年%m月}"
        # Written to a temporary name first, so a failed export never leaves half a file behind.
        partial = path.with_name(path.name + ".part")
        try:
            if fmt == "csv":
                with open(partial, "w", encoding="utf-8", newline="") as handle:
                    if table is not None:
                        count = exports.write_csv(table, handle, selectors.SUMMARY_HEADER)
                    else:
                        count = exports.write_csv(rows, handle)
            else:
                with open(partial, "wb") as handle:
                    count = exports.write_xlsx(
                        rows, handle, title=f"{period}月度考核", unit=unit_obj, summary=table
                    )
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        scope = unit_obj.name if unit_obj else "全部单位"
        what = "各单位汇总" if fmt == "csv" and summary else "考核记录"
        self.stdout.write(f"已导出{scope}{shown}的{what} {count} 条到 {path}。")
