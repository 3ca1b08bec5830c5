"""The exam-day flow of one person, page by page (issue 21 items 1–2): CPU time and queries.

A load person (generate_load_data) who has not sat the month's load exam yet opens 我的考试,
presses 开始 (the CSRF form), opens the paper, saves answers one at a time as paper.js does
(JSON with the X-CSRFToken header), submits and opens the result — through django.test.Client,
so every middleware, the URL resolver, the view and the template run as in a request, one at a
time. Each page's figure is the CPU time of this process (time.process_time: Python, the
templates and the database driver, not PostgreSQL's own work), the median over the runs, and the
largest number of queries seen. Targets: the five pages ≤ 50 ms in all; a save ≤ 2 ms and one
statement on PostgreSQL.

Standalone (figures for one's own measurements):

    DJANGO_SETTINGS_MODULE=portal.settings.bench \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/training_bench \\
    .venv/bin/python tests/bench/flow.py --runs 15
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from portal.organisation.models import StaffProfile  # noqa: E402
from quizzes.models import Attempt, AttemptQuestion, Blueprint  # noqa: E402
from tests.bench.run import Row, monthly_exam, ms, p95, print_table, wrong_or_right  # noqa: E402
from tools.loadtesting import loadgen  # noqa: E402

PAGES = ["我的考试", "开始", "试卷", "交卷", "成绩"]
SAVES_PER_RUN = 10
FLOW_TARGET = 0.050
SAVE_TARGET = 0.002


class QueryCounter:
    """Counts the statements sent to the database (an execute wrapper: next to no cost, unlike
    CaptureQueriesContext, which keeps every statement's SQL and time)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def measured(samples: dict, name: str):
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        cpu = time.process_time()
        yield
        used = time.process_time() - cpu
    samples.setdefault(name, []).append((used, counter.count))


def fresh_people(exam, count: int) -> list:
    """Load people of the exam's audience who have no attempt at it yet (so each run is a first
    sitting, as on exam day)."""
    sat = Attempt.objects.filter(exam=exam).values("user_id")
    profiles = (
        StaffProfile.objects.filter(employee_number__startswith=loadgen.UNIT_PREFIX)
        .exclude(user_id__in=sat)
        .select_related("user")
        .order_by("-employee_number")[:count]
    )
    people = [profile.user for profile in profiles]
    if len(people) < count:
        raise SystemExit(f"压测人员不足：还需 {count} 人未参加“{exam.title}”。")
    return people


def check(response, expected: int, what: str):
    if response.status_code != expected:
        raise AssertionError(f"{what}: HTTP {response.status_code}, expected {expected}")
    return response


def one_flow(client: Client, exam, user, samples: dict, rng: random.Random) -> None:
    """One person's exam day; every request measured (the first run of a process is a warm-up
    and its samples are thrown away by the caller). One client for everyone, as one app server
    process: its handler loads the middleware once (WhiteNoise reads the static files then)."""
    client.cookies.clear()
    client.force_login(user)
    with measured(samples, "我的考试"):
        check(client.get("/exams/"), 200, "我的考试")
    token = client.cookies["csrftoken"].value
    with measured(samples, "开始"):
        started = check(
            client.post(f"/exams/{exam.pk}/start/", {"csrfmiddlewaretoken": token}), 302, "开始"
        )
    paper_url = started["Location"]
    with measured(samples, "试卷"):
        check(client.get(paper_url), 200, "试卷")
    attempt = Attempt.objects.get(user=user, exam=exam, status=Attempt.Status.IN_PROGRESS)
    items = list(
        AttemptQuestion.objects.filter(attempt=attempt).only(
            "position", "type", "options", "answer_key", "stem"
        )
    )
    for item in rng.sample(items, min(SAVES_PER_RUN, len(items))):
        body = {"position": item.position, "response": wrong_or_right(item, rng.random() < 0.8)}
        with measured(samples, "保存"):
            response = client.post(
                f"{paper_url}answers/",
                body,
                content_type="application/json",
                HTTP_X_CSRFTOKEN=token,
            )
        check(response, 200, "保存")
        assert response.json()["saved"] is True
    with measured(samples, "交卷"):
        submitted = check(
            client.post(f"{paper_url}submit/", {"csrfmiddlewaretoken": token}), 302, "交卷"
        )
    with measured(samples, "成绩"):
        check(client.get(submitted["Location"]), 200, "成绩")


def bench_flow(runs: int) -> list[Row]:
    blueprint = Blueprint.objects.get(name=loadgen.BLUEPRINT_NAME)
    exam = monthly_exam(blueprint)
    people = fresh_people(exam, runs + 1)
    rng = random.Random(21)
    samples: dict[str, list[tuple[float, int]]] = {}
    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    one_flow(client, exam, people[0], {}, rng)  # warm-up: connections, caches, templates
    for user in people[1:]:
        one_flow(client, exam, user, samples, rng)

    def cpu(name: str) -> list[float]:
        return [used for used, _ in samples[name]]

    def queries(name: str) -> int:
        return max(count for _, count in samples[name])

    rows = [
        Row(
            f"  {name}",
            runs,
            ms(statistics.median(cpu(name))),
            ms(p95(cpu(name))),
            "",
            None,
            str(queries(name)),
            "本进程 CPU 时间",
        )
        for name in PAGES
    ]
    totals = [sum(samples[name][run][0] for name in PAGES) for run in range(runs)]
    total = statistics.median(totals)
    saves = cpu("保存")
    # A paper's first save also reads its shapes and status (kept per process / in the cache).
    save_counts = [count for _, count in samples["保存"]]
    save_queries = round(statistics.median(save_counts))
    one_statement = save_queries == 1 or connection.vendor != "postgresql"
    return [
        Row(
            "考试当天一人流程：我的考试、开始、试卷、交卷、成绩（月度考试，100 题）",
            runs,
            ms(total),
            ms(p95(totals)),
            "≤ 50 ms CPU",
            total <= FLOW_TARGET,
            str(sum(queries(name) for name in PAGES)),
            "各页 CPU 中位数之和 "
            + ms(sum(statistics.median(cpu(name)) for name in PAGES))
            + "；经 django.test.Client，全部中间件；页头（姓名、导航）登录时已生成",
        ),
        *rows,
        Row(
            "自动保存一题（经全部中间件）",
            len(saves),
            ms(statistics.median(saves)),
            ms(p95(saves)),
            "≤ 2 ms CPU，1 条语句",
            statistics.median(saves) <= SAVE_TARGET and one_statement,
            f"{save_queries}（最多 {max(save_counts)}）",
            f"每人 {SAVES_PER_RUN} 次；本进程 CPU 时间；查询为中位数（每卷首次保存读题型）",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description="考试当天一人流程的 CPU 时间（issue 21）")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    settings.DEBUG = False
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collected static
    rows = bench_flow(args.runs)
    print_table(rows)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"\n{connection.vendor}，缓存 {cache}，负载 {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
