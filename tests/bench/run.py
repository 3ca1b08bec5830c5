"""The benchmarks of issue 7 (`make bench`): print one table of figures.

Run against a database that holds the load data (`manage.py generate_load_data`), e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/training_bench .venv/bin/python tests/bench/run.py

Not a test module (pytest collects only test_*.py): it prints figures and marks each target met or
missed; the exit status is 0 either way unless something fails outright. Every benchmark runs its
code several times and reports the median (and the 95th percentile where the target is about the
slow end); queries are counted with Django's CaptureQueriesContext.
"""

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessment import exports  # noqa: E402
from assessment.models import AssessmentRecord  # noqa: E402
from portal.months import month_of  # noqa: E402
from portal.organisation.models import StaffProfile, Unit  # noqa: E402
from portal.search import versions as search_versions  # noqa: E402
from portal.search.selectors import current_index, normalise_query, site_search  # noqa: E402
from portal.thesaurus.keypoints import example_phrase  # noqa: E402
from quizzes.analysis import services as analysis_services  # noqa: E402
from quizzes.bank.answers import blank_count  # noqa: E402
from quizzes.models import (  # noqa: E402
    AnswerRecord,
    AttemptQuestion,
    Blueprint,
    Exam,
    Question,
    QuestionType,
)
from quizzes.papers import services  # noqa: E402
from quizzes.papers.drawing import draw_paper  # noqa: E402
from quizzes.papers.grading import normalise_response  # noqa: E402
from tools.loadtesting import graded, loadgen  # noqa: E402

SEARCH_QUERIES = [
    "停电",
    "投诉",
    "十个不准",
    "首问负责制",
    "电费",
    "抄表",
    "95598",
    "服务规范",
    "故障抢修",
    "客户来电",
    "欠费复电",
    "峰谷电价",
    "智能电表",
    "供电所",
    "营业厅",
    "文明用语",
    "一次性告知",
    "工作证件",
    "增容",
    "新装用电",
    "电压偏低",
    "抢修到达",
    "路灯",
    "网上国网",
    "投訴",
    "安全生产",
    "回访",
    "办理时限",
    "违规",
    "典型案例",
    # as staff ask (issue 16): question words, colloquial terms, clauses, numbers in words
    "电话铃响几声内接听",
    "客户拖欠电费能直接拉闸吗",
    "35千伏客户多久检查一次",
    "十个不准第四条",
    "首问负责制 第2条",
    "地面湿滑摆什么牌子",
    "哪些行为算窃电",
    "农村抢修多长时间到现场",
    "投诉办结后多久回访",
    "暂停每次最少多少天",
]
MONTHLY_EXAM_TITLE = "压测月度考试（本月）"
HISTORY_USER = loadgen.username(2)  # a person with a practice history, for "least seen first"
HISTORY_ANSWERS = 1000


@dataclass
class Row:
    name: str
    runs: int
    median: str
    p95: str
    target: str
    met: bool | None
    queries: str = ""
    note: str = ""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


@contextmanager
def counting():
    with CaptureQueriesContext(connection) as context:
        yield context


# Drawing ------------------------------------------------------------------------------------------


def history_user():
    """A load person who has practised HISTORY_ANSWERS questions (so 'seen least' has work)."""
    profile = StaffProfile.objects.select_related("user").get(employee_number=HISTORY_USER)
    have = AnswerRecord.objects.filter(user=profile.user, origin="practice").count()
    if have < HISTORY_ANSWERS:
        ids = list(
            Question.objects.filter(code__startswith=loadgen.QUESTION_PREFIX).values_list(
                "pk", flat=True
            )
        )
        picked = random.Random(7).sample(ids, min(len(ids), HISTORY_ANSWERS - have))
        AnswerRecord.objects.bulk_create(
            AnswerRecord(user=profile.user, question_id=pk, origin="practice", is_correct=True)
            for pk in picked
        )
    return profile.user


def bench_draw(runs: int) -> list[Row]:
    blueprint = Blueprint.objects.get(name=loadgen.BLUEPRINT_NAME)
    user = history_user()
    bank = Question.objects.count()
    draw_times, floor_times, ratios = [], [], []
    draw_paper(blueprint=blueprint, seed=0, user=user)  # warm up (connection, caches)
    with counting() as draw_queries:
        drawn = draw_paper(blueprint=blueprint, seed=1, user=user)
    assert len({d.question.pk for d in drawn}) == len(drawn)
    materials = len({d.material.pk for d in drawn if d.material is not None})
    paper = f"{blueprint.sections.count()} 个大题抽 {len(drawn)} 题" + (
        f"（含案例分析材料 {materials} 份）" if materials else ""
    )
    for run in range(runs):
        seed = 1000 + run

        def draw(seed=seed):
            return draw_paper(blueprint=blueprint, seed=seed, user=user)

        if run % 2 == 0:  # interleaved, alternating which goes first
            draw_time, drawn = timed(draw)
            pks = [d.question.pk for d in drawn]
            floor_time, _ = timed(
                lambda pks=pks: Question.objects.select_related("category").in_bulk(pks)
            )
        else:
            pks = [d.question.pk for d in draw()]  # the paper this seed gives, untimed
            floor_time, _ = timed(
                lambda pks=pks: Question.objects.select_related("category").in_bulk(pks)
            )
            draw_time, _ = timed(draw)
        draw_times.append(draw_time)
        floor_times.append(floor_time)
        ratios.append(draw_time / floor_time)
    ratio = statistics.median(draw_times) / statistics.median(floor_times)
    return [
        Row(
            f"抽题：{bank:,} 题库、{paper}",
            runs,
            ms(statistics.median(draw_times)),
            ms(p95(draw_times)),
            "≤ 2 × 下限，≤ 10 次查询",
            ratio <= 2 and len(draw_queries) <= 10,
            str(len(draw_queries)),
            f"= {ratio:.1f} × 下限（逐次比值中位数 {statistics.median(ratios):.1f}）",
        ),
        Row(
            f"  下限：按主键读同样 {len(drawn)} 道题（含分类）",
            runs,
            ms(statistics.median(floor_times)),
            ms(p95(floor_times)),
            "",
            None,
            "1",
        ),
    ]


# Submitting and grading ---------------------------------------------------------------------------


def monthly_exam(blueprint: Blueprint) -> Exam:
    month = month_of(timezone.now())
    exam = Exam.objects.filter(title=MONTHLY_EXAM_TITLE, month=month).first()
    if exam is None:
        exam = Exam.objects.create(
            title=MONTHLY_EXAM_TITLE,
            blueprint=blueprint,
            status=Exam.Status.PUBLISHED,
            month=month,
            attempts_allowed=0,
        )
        exam.audience_units.set(Unit.objects.filter(code__startswith=loadgen.UNIT_PREFIX + "-"))
    return exam


def wrong_or_right(item: AttemptQuestion, right: bool):
    key = item.answer_key
    if item.type == QuestionType.SINGLE:
        return key[0] if right else (key[0] + 1) % len(item.options)
    if item.type == QuestionType.MULTIPLE:
        return key if right else key[:1]
    if item.type == QuestionType.TRUE_FALSE:
        return key[0] if right else not key[0]
    if item.type == QuestionType.FILL:
        return [alternatives[0] if right else "不知道" for alternatives in key]
    return "；".join(example_phrase(point) for point in (key if right else key[:1]))


def answered_attempt(exam: Exam, user, rng: random.Random):
    """A fresh attempt whose answers are all saved (80% right), ready to submit."""
    now = timezone.now()
    attempt = services.start_attempt(exam=exam, user=user, now=now)
    items = list(AttemptQuestion.objects.filter(attempt=attempt))
    for item in items:
        raw = wrong_or_right(item, rng.random() < 0.8)
        item.response = normalise_response(
            item.type, raw, len(item.options), blank_count(item.stem)
        )
        item.saved_at = now
    AttemptQuestion.objects.bulk_update(items, ["response", "saved_at"])
    return attempt


def bench_submit(runs: int) -> list[Row]:
    blueprint = Blueprint.objects.get(name=loadgen.BLUEPRINT_NAME)
    exams = [
        ("交卷并评分：{n} 题（模拟考试）", Exam.objects.get(title=loadgen.MOCK_EXAM_TITLE)),
        ("交卷并评分：{n} 题（月度考试，考核记录由后台任务更新）", monthly_exam(blueprint)),
    ]
    users = list(
        StaffProfile.objects.filter(employee_number__startswith=loadgen.UNIT_PREFIX)
        .select_related("user")
        .order_by("employee_number")[100 : 100 + runs * len(exams) + 2]
    )
    rng = random.Random(11)
    rows = []
    for index, (label, exam) in enumerate(exams):
        times, queries, size = [], [], 0
        for run in range(runs + 1):  # the first is a warm-up
            user = users[index * (runs + 1) + run].user
            attempt = answered_attempt(exam, user, rng)
            size = attempt.questions.count()
            with counting() as captured:
                elapsed, result = timed(
                    lambda attempt=attempt: services.submit_attempt(
                        attempt_id=attempt.pk, now=timezone.now()
                    )
                )
            assert result.status in ("graded", "pending_review")
            if run:
                times.append(elapsed)
                queries.append(len(captured))
        rows.append(
            Row(
                label.format(n=size),
                runs,
                ms(statistics.median(times)),
                ms(p95(times)),
                "< 50 ms，≤ 10 次查询",
                statistics.median(times) < 0.050 and max(queries) <= 10,
                str(max(queries)),
            )
        )
    return rows


# HR export ----------------------------------------------------------------------------------------


def export_months() -> list:
    """The twelve months of load records before the current one (whose records the submit
    benchmark adds to)."""
    current = month_of(timezone.now())
    months = (
        AssessmentRecord.objects.filter(
            profile__employee_number__startswith=loadgen.UNIT_PREFIX, month__lt=current
        )
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    )
    return sorted(months)[-12:]


def year_rows(months):
    """Every record of the twelve months, all units, as HR's range export reads them: one call
    for the range, as the view and the command make (rows month after month; each unit's scheme
    looked up once, not once a month)."""
    return exports.export_rows(first=months[0], last=months[-1], unit=None, viewer=None)


def copy_sql(months) -> str:
    """The same rows and columns, by PostgreSQL alone (codes where the export shows labels)."""
    record = AssessmentRecord._meta.db_table
    profile = StaffProfile._meta.db_table
    unit = Unit._meta.db_table
    first, last = months[0].isoformat(), months[-1].isoformat()
    return f"""
        COPY (
            SELECT p.employee_number, p.name, COALESCE(d.name, u.name),
                   CASE WHEN u.kind = 'team' THEN u.name ELSE '' END, p.position,
                   to_char(r.month, 'YYYY-MM'), r.exam_score, r.attendance_rate, r.error_rate,
                   r.complaints, r.satisfaction, r.etiquette_score, r.composite, r.grade,
                   r.bonus_coefficient, r.exam_state
            FROM {record} r
            JOIN {profile} p ON p.id = r.profile_id
            JOIN {unit} u ON u.id = r.unit_id
            LEFT JOIN {unit} d ON d.id = NULLIF(split_part(u.path, '/', 3), '')::int
            WHERE r.month BETWEEN '{first}' AND '{last}'
            ORDER BY r.month, u.sort_order, u.path, p.employee_number
        ) TO STDOUT (FORMAT csv, HEADER)
    """


def stream_csv(months) -> tuple[int, int]:
    """Consume the CSV as the streaming response sends it (UTF-8 blocks); rows and bytes."""
    counted = [0]

    def rows():
        for row in year_rows(months):
            counted[0] += 1
            yield row

    total = sum(len(block) for block in exports.csv_chunks(rows()))
    return counted[0], total


def bench_exports(runs: int) -> list[Row]:
    months = export_months()
    process = psutil.Process()
    # Memory first, in its own run: the largest RSS seen while streaming, over the RSS before.
    before = process.memory_info().rss
    peak = before
    for _ in exports.csv_chunks(year_rows(months)):
        peak = max(peak, process.memory_info().rss)
    rss_growth = peak - before
    tracemalloc.start()
    stream_csv(months)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    csv_times, copy_times = [], []
    for run in range(runs):
        order = [0, 1] if run % 2 == 0 else [1, 0]
        for which in order:
            if which == 0:
                elapsed, (rows, _) = timed(lambda: stream_csv(months))
                csv_times.append(elapsed)
            else:
                elapsed, _ = timed(lambda: copy_out(months))
                copy_times.append(elapsed)
    csv_rate = rows / statistics.median(csv_times)
    ratio = statistics.median(csv_times) / statistics.median(copy_times)

    xlsx_times = []
    for _ in range(max(1, runs // 2)):
        with tempfile.TemporaryFile() as handle:
            elapsed, written = timed(
                lambda handle=handle: exports.write_xlsx(
                    year_rows(months), handle, title="月度考核"
                )
            )
        xlsx_times.append(elapsed)
    xlsx_rate = written / statistics.median(xlsx_times)
    mb = 1024 * 1024
    return [
        Row(
            f"人资导出 CSV：{rows:,} 行（{len(months)} 个月）",
            runs,
            ms(statistics.median(csv_times)),
            "",
            "≥ 50,000 行/秒，内存增长 < 50 MB",
            csv_rate >= 50_000 and rss_growth < 50 * mb,
            "",
            f"{csv_rate:,.0f} 行/秒；RSS 增长 {rss_growth / mb:.1f} MB，"
            f"tracemalloc 峰值 {traced_peak / mb:.1f} MB；= {ratio:.1f} × COPY",
        ),
        Row(
            "  PostgreSQL COPY 同样的行",
            runs,
            ms(statistics.median(copy_times)),
            "",
            "",
            None,
            "1",
            f"{rows / statistics.median(copy_times):,.0f} 行/秒",
        ),
        Row(
            f"人资导出 XLSX（XlsxWriter 常量内存模式）：{written:,} 行",
            len(xlsx_times),
            ms(statistics.median(xlsx_times)),
            "",
            "≥ 10,000 行/秒",
            xlsx_rate >= 10_000,
            "",
            f"{xlsx_rate:,.0f} 行/秒",
        ),
    ]


def copy_out(months) -> int:
    total = 0
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql(months)) as copy:
        for block in copy:
            total += len(block)
    return total


# Search -------------------------------------------------------------------------------------------


def bench_search(rounds: int) -> list[Row]:
    """The site search (/search/: rules, Q&A, cases) as staff use it: an in-memory index per
    process (issue 16), so the 100,000 questions play no part; its rebuild after an edit; and the
    editors' page search in the admin, the one place Wagtail's database index (which holds the
    questions too) is still asked."""
    from wagtail.models import Page
    from wagtail.search.backends import get_search_backend

    queries = [normalise_query(q) for q in SEARCH_QUERIES]
    build_times = []
    for _ in range(3):
        search_versions.bump_version()
        elapsed, _ = timed(current_index)
        build_times.append(elapsed)
    for query in queries:  # warm up
        site_search(query)
    site_times, site_queries = [], 0
    for _ in range(rounds):
        for query in queries:
            with counting() as captured:
                elapsed, _ = timed(lambda query=query: site_search(query))
            site_times.append(elapsed)
            site_queries = max(site_queries, len(captured))
    backend = get_search_backend()
    admin_times = []
    for query in ["两支蜡烛", "停电", "抄表员", "欠费停电", "重复收费"] * 2:

        def page_search(query=query):
            return len(list(backend.autocomplete(query, Page.objects.all())[:20]))

        elapsed, _ = timed(page_search)
        admin_times.append(elapsed)
    bank = Question.objects.count()
    return [
        Row(
            f"站内搜索（规范、问答、案例；题库 {bank:,} 道不参与）",
            len(site_times),
            ms(statistics.median(site_times)),
            ms(p95(site_times)),
            "P95 < 50 ms",
            p95(site_times) < 0.050,
            str(site_queries),
            f"{len(queries)} 个中文查询 × {rounds} 轮；内存索引 {len(current_index().documents)} 条",
        ),
        Row(
            "  建立搜索索引（进程首次搜索或内容修改后）",
            len(build_times),
            ms(statistics.median(build_times)),
            ms(max(build_times)),
            "",
            None,
            "",
            "P95 列为最大值",
        ),
        Row(
            f"  后台页面搜索（Wagtail 数据库索引，含 {bank:,} 道题）",
            len(admin_times),
            ms(statistics.median(admin_times)),
            ms(p95(admin_times)),
            "",
            None,
            "",
            "编辑在后台按标题或正文找案例",
        ),
    ]


# Item analysis (issue 19) ----------------------------------------------------------------------


def bench_analysis(runs: int) -> list[Row]:
    """All question statistics over one month's graded papers (the background job as the worker
    runs it: computed and stored), and a team leader's analytics page for that month."""
    from django.test import Client

    exam = Exam.objects.filter(title=graded.ANALYSIS_EXAM_TITLE).first()
    if exam is None or not exam.attempts.exists():
        return [
            Row("试题统计：没有已出分答卷（generate_load_data 的月数为 0？）", 0, "", "", "", None)
        ]
    papers = exam.attempts.count()
    answers = AttemptQuestion.objects.filter(attempt__exam=exam).count()
    stats_times, cpu_times, stats_queries = [], [], 0
    for _ in range(runs):
        run = analysis_services.request_run(by=None, exam=exam)
        cpu = time.process_time()
        with counting() as captured:
            elapsed, run = timed(lambda run=run: analysis_services.run_statistics(run_id=run.pk))
        cpu_times.append(time.process_time() - cpu)
        stats_times.append(elapsed)
        stats_queries = max(stats_queries, len(captured))
    leader = (
        StaffProfile.objects.filter(
            employee_number=loadgen.username(1), supervised_units__isnull=False
        )
        .select_related("user")
        .first()
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(leader.user)
    url = f"/team/analytics/?month={exam.month:%Y-%m}&months=3"
    client.get(url)  # warm up
    page_times, page_cpu, page_queries = [], [], 0
    for _ in range(30):
        cpu = time.process_time()
        with counting() as captured:
            elapsed, response = timed(lambda: client.get(url))
        page_cpu.append(time.process_time() - cpu)
        assert response.status_code == 200, response.status_code
        page_times.append(elapsed)
        page_queries = max(page_queries, len(captured))
    return [
        Row(
            f"试题统计：一个月 {papers:,} 人、{answers:,} 次作答（计算并保存）",
            runs,
            ms(statistics.median(stats_times)),
            ms(max(stats_times)),
            "< 30 s",
            max(stats_times) < 30,
            str(stats_queries),
            f"{run.items.count():,} 个试题版本；本进程 CPU 时间中位数 "
            f"{statistics.median(cpu_times):.1f} s；P95 列为最大值",
        ),
        Row(
            "班组学习分析页（班组长，50 人，3 个月）",
            len(page_times),
            ms(statistics.median(page_times)),
            ms(p95(page_times)),
            "P95 < 300 ms",
            p95(page_times) < 0.300,
            str(page_queries),
            f"本进程 CPU 时间中位数 {ms(statistics.median(page_cpu))}",
        ),
    ]


# Output -------------------------------------------------------------------------------------------


def width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def print_table(rows: list[Row], out=sys.stdout) -> None:
    header = ["基准", "次数", "中位数", "P95", "目标", "结果", "查询", "说明"]
    table = [
        [
            row.name,
            str(row.runs),
            row.median,
            row.p95,
            row.target,
            {True: "达标", False: "未达标", None: ""}[row.met],
            row.queries,
            row.note,
        ]
        for row in rows
    ]
    sizes = [max(width(line[i]) for line in [header, *table]) for i in range(len(header))]
    print("| " + " | ".join(pad(h, s) for h, s in zip(header, sizes, strict=True)) + " |", file=out)
    print("|" + "|".join("-" * (s + 2) for s in sizes) + "|", file=out)
    for line in table:
        print(
            "| " + " | ".join(pad(c, s) for c, s in zip(line, sizes, strict=True)) + " |",
            file=out,
        )


def flow_bench(runs: int) -> list[Row]:
    """tests/bench/flow.py: one person's exam day page by page (imported here: it imports this)."""
    from tests.bench.flow import bench_flow

    return bench_flow(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description="性能基准（issue 7）")
    parser.add_argument("--runs", type=int, default=30, help="抽题、交卷的次数")
    parser.add_argument("--export-runs", type=int, default=5, help="导出的次数")
    parser.add_argument("--search-rounds", type=int, default=5, help="搜索的轮数")
    parser.add_argument("--analysis-runs", type=int, default=3, help="试题统计的次数")
    parser.add_argument("--flow-runs", type=int, default=15, help="考试日流程的人数")
    parser.add_argument(
        "--only", default="", help="只运行：draw,submit,flow,export,search,analysis"
    )
    args = parser.parse_args()
    settings.DEBUG = False  # as in production: no query log kept in memory
    if connection.vendor != "postgresql":
        print("基准应在 PostgreSQL 上运行（DATABASE_URL）。", file=sys.stderr)
        return 2
    if not Blueprint.objects.filter(name=loadgen.BLUEPRINT_NAME).exists():
        print("没有压测数据：请先运行 manage.py generate_load_data。", file=sys.stderr)
        return 2
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    rows: list[Row] = []
    started = time.perf_counter()
    for key, bench, runs in [
        ("draw", bench_draw, args.runs),
        ("submit", bench_submit, max(5, args.runs // 2)),
        ("flow", flow_bench, args.flow_runs),
        ("export", bench_exports, args.export_runs),
        ("search", bench_search, args.search_rounds),
        ("analysis", bench_analysis, args.analysis_runs),
    ]:
        if only and key not in only:
            continue
        print(f"… {key}", file=sys.stderr, flush=True)
        rows.extend(bench(runs))
    buffer = io.StringIO()
    print_table(rows, buffer)
    print(buffer.getvalue(), end="")
    cpu = psutil.cpu_count()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nPostgreSQL {connection.pg_version // 10000}，{cpu} 核，负载 {load}；"
        f"用时 {timedelta(seconds=round(time.perf_counter() - started))}。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
