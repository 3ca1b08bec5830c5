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
        self._changed_wording(report)
        if report.missing:
            for stored in report.missing:
                self.stderr.write(
                    f"  找不到：[{stored.kind}] {stored.label}（{stored.source_file}）"
                    f"「{stored.quote[:40]}…」"
                )
            raise CommandError(f"有 {len(report.missing)} 条原文摘录在来源文件中找不到。")
        if report.unexplained:
            raise CommandError(
                f"有 {len(report.unexplained)} 处显示文字与原文不同（超出错别字修正）却没有编者按。"
            )
        self.stdout.write(
            self.style.SUCCESS("全部原文摘录均可在来源文件中找到；与原文不同之处均有编者按说明。")
        )

    def _changed_wording(self, report) -> None:
        """Every item whose shown text differs from its quote by more than typo fixes."""
        if not report.changed:
            self.stdout.write("显示文字与原文一致（或为原文的连续片段，只修正了错别字）。")
            return
        self.stdout.write(
            f"显示文字与原文不同之处（超出错别字修正）：{len(report.changed)} 处，"
            f"其中有编者按 {len(report.changed) - len(report.unexplained)} 处，"
            f"缺编者按 {len(report.unexplained)} 处："
        )
        for change in report.changed:
            mark = "有编者按" if change.noted else "缺编者按"
            self.stdout.write(f"  [{mark}] [{change.kind}] {change.label}")
            for run in change.runs[:4]:
                self.stdout.write(f"      {run}")
