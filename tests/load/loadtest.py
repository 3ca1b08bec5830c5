"""`make loadtest`: 2,000 simulated staff sit a monthly exam at once against `make serve` on
PostgreSQL, then the database is checked. Prints throughput, latency percentiles, errors and the
check's result; exits non-zero on any error or failed check.

Settings from the environment (defaults in brackets): LOAD_TAKERS [2000], LOAD_SAVES (saves per
person) [40], LOAD_THINK (seconds between saves, "min-max") [2-5], LOAD_RAMP (seconds over which
everyone starts) [60], LOAD_CONNECTIONS (client connection pool, as a load balancer's) [100],
LOAD_MAX_SECONDS (hard limit of the client run) [1200], LOAD_DATABASE_URL
[postgres://postgres@127.0.0.1:5432/training_load], LOAD_REDIS_URL [redis://127.0.0.1:6379/1],
LOAD_PORT [8100]; WEB_CONCURRENCY and GUNICORN_THREADS pass through to gunicorn.
"""

import asyncio
import json
import os
import platform
import sys
import time
from datetime import datetime

import redis

from .exam_client import LOOPBACK, Run, RunConfig, summarise
from .server import VAR, Server, manage, server_environment

SAVE_TARGET_PER_SECOND = 500
SAVE_TARGET_P95_MS = 100


def setting(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def think_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def print_figures(figures: dict, verify: dict, meta: dict) -> None:
    print("\n== 负载测试结果")
    print(
        f"考生 {meta['takers']} 人，每人保存 {meta['saves_per_taker']} 次，间隔 {meta['think']} 秒，"
        f"{meta['ramp']} 秒内全部开始；gunicorn {meta['workers']} 个进程 × {meta['threads']} 线程"
    )
    print(f"{'请求':<8}{'次数':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'最大 ms':>10}")
    for kind, row in figures["requests"].items():
        print(
            f"{kind:<8}{row['count']:>8}{row['p50_ms']:>10}{row['p95_ms']:>10}"
            f"{row['p99_ms']:>10}{row['max_ms']:>10}"
        )
    print(f"保存答案吞吐（全程平均）：{figures.get('saves_per_second', 0)} 次/秒")
    steady = figures.get("steady")
    if steady:
        print(
            f"稳定阶段（全部开始后、首人交卷前，{steady['seconds']} 秒）：{steady['saves']} 次保存，"
            f"{steady['saves_per_second']} 次/秒，p50 {steady['p50_ms']} ms，"
            f"p95 {steady['p95_ms']} ms，p99 {steady['p99_ms']} ms"
        )
    errors = figures["errors"]
    print("错误：" + ("无" if not errors else "；".join(f"{k} × {v}" for k, v in errors.items())))
    print(
        f"核对：已确认保存 {verify.get('acknowledged')} 次，最终答案 {verify.get('answers_checked')} 个，"
        f"数据库中找到 {verify.get('answers_found')} 个；作答 {verify.get('attempts')} 份，"
        f"恰好评分一次 {verify.get('graded_once')} 份 → {'通过' if verify.get('ok') else '未通过'}"
    )
    save = figures["requests"].get("保存答案", {})
    rate = (steady or {}).get("saves_per_second", 0)
    p95 = save.get("p95_ms", 0)
    print(
        f"目标：保存 ≥ {SAVE_TARGET_PER_SECOND} 次/秒（稳定阶段 {rate}，"
        f"{'达标' if rate >= SAVE_TARGET_PER_SECOND else f'差 {SAVE_TARGET_PER_SECOND - rate:.0f}'}）；"
        f"保存 p95 < {SAVE_TARGET_P95_MS} ms（{p95}，"
        f"{'达标' if p95 < SAVE_TARGET_P95_MS else f'超出 {p95 - SAVE_TARGET_P95_MS:.0f} ms'}）；"
        f"错误 0（{sum(errors.values())}）"
    )


def main() -> int:
    takers = int(setting("LOAD_TAKERS", "2000"))
    port = int(setting("LOAD_PORT", "8100"))
    think = setting("LOAD_THINK", "2-5")
    config_meta = {
        "takers": takers,
        "saves_per_taker": int(setting("LOAD_SAVES", "40")),
        "think": think,
        "ramp": float(setting("LOAD_RAMP", "60")),
        "workers": setting("WEB_CONCURRENCY", str((os.cpu_count() or 1) * 2 + 1)),
        "threads": setting("GUNICORN_THREADS", "4"),
        "connections": int(setting("LOAD_CONNECTIONS", "100")),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    VAR.mkdir(parents=True, exist_ok=True)
    redis_url = setting("LOAD_REDIS_URL", "redis://127.0.0.1:6379/1")
    env = server_environment(
        database_url=setting(
            "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/training_load"
        ),
        redis_url=redis_url,
        port=port,
        cache_prefix="training_load",
    )
    server = Server(env, port, VAR / "serve.log")
    print(
        f"== 启动服务器（make serve 的同一脚本，端口 {port}，日志 {server.log_path}）", flush=True
    )
    if server.answers():
        print(f"端口 {port} 已被占用，请先停止占用它的服务。", file=sys.stderr)
        return 2
    server.start(setup=True)
    try:
        server.wait_ready(timeout=1800)
        # The test's own Redis database: sessions of earlier runs are dropped (they stay valid
        # in PostgreSQL, which cached_db falls back to).
        redis.Redis.from_url(redis_url).flushdb()
        plan_path, events_path, verify_path = (
            VAR / "exam.json",
            VAR / "events.json",
            VAR / "verify.json",
        )
        print(f"== 准备考试与 {takers} 个登录会话", flush=True)
        manage(env, "prepare_load_exam", "--takers", str(takers), "--output", str(plan_path))
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        run = Run(
            RunConfig(
                base_url=f"http://{LOOPBACK}:{port}/",
                plan=plan,
                saves_per_taker=config_meta["saves_per_taker"],
                think_seconds=think_range(think),
                ramp_seconds=config_meta["ramp"],
                max_seconds=float(setting("LOAD_MAX_SECONDS", "1200")),
                connections=config_meta["connections"],
            )
        )
        print("== 模拟考试进行中", flush=True)
        began = time.monotonic()
        asyncio.run(run.execute())
        elapsed = time.monotonic() - began
        run.write_events(events_path)
        print(f"客户端用时 {elapsed:.0f} 秒；核对数据库", flush=True)
        check = manage(
            env,
            "verify_load_exam",
            "--plan",
            str(plan_path),
            "--events",
            str(events_path),
            "--report",
            str(verify_path),
            capture=True,
        )
        print(check.stdout.strip())
        if check.returncode != 0:
            print(check.stderr.strip(), file=sys.stderr)
        verify = json.loads(verify_path.read_text(encoding="utf-8")) if verify_path.exists() else {}
    finally:
        server.stop()
    figures = summarise(run.stats)
    report = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "config": config_meta,
        "client_seconds": round(elapsed, 1),
        "figures": figures,
        "verify": verify,
    }
    (VAR / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print_figures(figures, verify, config_meta)
    print(f"（完整结果：{VAR / 'report.json'}）")
    failed = bool(figures["errors"]) or not verify.get("ok") or check.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
