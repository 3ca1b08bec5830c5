"""Check every stored quote against the source texts in fixtures/sources/."""

from django.core.management.base import BaseCommand, CommandError

from cases.sourcing import all_stored_quotes, unsourced_counts, verify_quotes


class Command(BaseCommand):
    help = "核对所有原文摘录是否逐字出现在来源文件中（忽略空白），并统计各来源文件被引用的比例。"

    def handle(self, *args, **options):
        report = verify_quotes(all_stored_quotes())
        self.stdout.write("已核对的原文摘录：")
        for kind, count in sorted(report.counts.items()):
            self.stdout.write(f"  {kind}：{count} 条")
        unsourced = [(label, count) for label, count in unsourced_counts() if count]
        if unsourced:
            self.stdout.write("没有来源文件、不核对的（单独统计，不算错误）：")
            for label, count in unsourced:
                self.stdout.write(f"  {label}{count} 道")
        self.stdout.write("各来源文件被摘录覆盖的比例：")
        for file_name, share in report.coverage.items():
            self.stdout.write(f"  {file_name}：{share:.1%}")
        if not report.ok:
            for stored in report.missing:
                self.stderr.write(
                    f"  找不到：[{stored.kind}] {stored.label}（{stored.source_file}）"
                    f"「{stored.quote[:40]}…」"
                )
            raise CommandError(f"有 {len(report.missing)} 条原文摘录在来源文件中找不到。")
        self.stdout.write(self.style.SUCCESS("全部原文摘录均可在来源文件中找到。"))
