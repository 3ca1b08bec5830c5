"""manage.py generate_load_data [--questions 100000] [--staff 10000] [--months 12]

The benchmarks' data set (`make bench`): see tools/loadtesting/loadgen.py. Safe to run again: only what is
missing is created."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.months import month_of, parse_month, shift_month
from tools.loadtesting import graded, loadgen


class Command(BaseCommand):
    help = "生成压测数据：大量试题、人员和月度考核记录（可重复执行，只补建缺少的部分）。"

    def add_arguments(self, parser):
        parser.add_argument("--questions", type=int, default=100_000, help="试题数量")
        parser.add_argument("--staff", type=int, default=10_000, help="人员数量")
        parser.add_argument("--months", type=int, default=12, help="考核记录的月数")
        parser.add_argument("--seed", type=int, default=loadgen.DEFAULT_SEED, help="随机种子")
        parser.add_argument("--end-month", default="", help="最后一个考核月份 YYYY-MM，默认上个月")

    def handle(self, *args, questions, staff, months, seed, end_month, **options):
        if questions < 0 or staff < 0 or not 0 <= months <= 120:
            raise CommandError("数量不能为负数，月数应在 0–120 之间。")
        try:
            end = parse_month(end_month) if end_month.strip() else None
        except ValueError as error:
            raise CommandError(str(error)) from error
        verbosity = options.get("verbosity", 1)
        try:
            result = loadgen.generate_load_data(
                questions=questions,
                staff=staff,
                months=months,
                seed=seed,
                end_month=end,
                progress=self.stdout.write if verbosity > 1 else None,
            )
        except loadgen.LoadDataError as error:
            raise CommandError(str(error)) from error
        if months:  # the item-analysis papers, in the last month of records
            last = end or shift_month(month_of(timezone.now()), -1)
            result.papers = graded.build_graded_attempts(
                month=last, seed=seed, progress=self.stdout.write if verbosity > 1 else None
            )
        created = (
            result.units
            + result.users
            + result.questions
            + result.blueprints
            + result.records
            + result.papers
        )
        self.stdout.write(
            f"压测数据：新建单位 {result.units} 个、人员 {result.users} 人、试题 {result.questions} 道、"
            f"组卷规则 {result.blueprints} 套、考试 {result.exams} 场、考核记录 {result.records} 条、"
            f"单位月份状态 {result.months} 个、已出分答卷 {result.papers} 份。"
            + ("" if created else "（压测数据已存在，未新建）")
        )
