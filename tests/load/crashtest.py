"""`make crashtest`: while simulated staff save answers against `make serve` on PostgreSQL, kill
the app server (master and every worker) with SIGKILL, start it again, and check that every save
acknowledged before the kill is in the database and on each person's reloaded paper. Prints the
counts; exits non-zero if anything acknowledged was lost.

Settings (defaults in brackets): CRASH_TAKERS [200], CRASH_SAVES (per person) [60], CRASH_THINK
["0.5-1.5" seconds], CRASH_RAMP [10], CRASH_DATABASE_URL
[postgres://postgres@127.0.0.1:5432/training_load], CRASH_REDIS_URL [redis://127.0.0.1:6379/2],
CRASH_PORT [8101].
"""

import asyncio
import json
import random
import sys
import time
from datetime import datetime

import redis

from .exam_client import LOOPBACK, Run, RunConfig, summarise
from .loadtest import setting, think_range
from .server import VAR, Server, manage, server_environment


def verify(env, plan_path, events_path, report_path, *, skip_grading: bool) -> dict:
    args = ["verify_load_exam", "--plan", str(plan_path), "--events", str(events_path)]
    args += ["--report", str(report_path)] + (["--skip-grading"] if skip_grading else [])
    result = manage(env, *args, capture=True)
    print(result.stdout.strip(), flush=True)
    if result.returncode != 0:
        print(result.stderr.strip(), file=sys.stderr)
    return json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}


async def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.2)
    return False


async def crash_and_check(run: Run, server: Server, env: dict, plan_path, takers: int) -> dict:
    """Wait until everyone is saving, kill the server, restart it, check the database; then let
    everyone reload their paper (the client compares it) and finish."""
    client = asyncio.create_task(run.execute())
    await asyncio.sleep(0)  # let the client set up its people
    saving = await wait_for(
        lambda: run.stats.all_started is not None and run.acknowledged() >= takers * 5, 300
    )
    if not saving:
        raise RuntimeError("模拟考生未能在 300 秒内全部开始作答")
    await asyncio.sleep(random.uniform(0, 2))  # mid-save for some, between saves for others
    # Everyone who sends from now on will find the server gone and wait for it.
    run.crash_epoch += 1
    run.server_up.clear()
    killed_at = time.monotonic()
    victims = await asyncio.to_thread(server.kill)
    await asyncio.sleep(2)  # replies already on the wire are read; nothing more can come
    before = run.events()
    acknowledged_before = sum(1 for event in before if event.acknowledged)
    print(
        f"已用 SIGKILL 杀死服务器进程 {victims} 个（主进程和全部工作进程）；"
        f"此前已确认保存 {acknowledged_before} 次",
        flush=True,
    )
    events_path = VAR / "crash_events_before_kill.json"
    events_path.write_text(
        json.dumps(
            {
                "saves": [
                    [e.attempt, e.position, e.response, e.acknowledged, e.abandoned] for e in before
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    server.start(setup=False)
    await asyncio.to_thread(server.wait_ready, 600)
    downtime = time.monotonic() - killed_at
    print(f"服务器已重启，停机 {downtime:.1f} 秒；核对数据库（考生恢复作答之前）", flush=True)
    in_db = await asyncio.to_thread(
        verify, env, plan_path, events_path, VAR / "crash_verify_before.json", skip_grading=True
    )
    run.server_up.set()
    await client
    return {
        "killed_processes": victims,
        "acknowledged_before_kill": acknowledged_before,
        "downtime_seconds": round(downtime, 1),
        "db_before": in_db,
    }


def main() -> int:
    takers = int(setting("CRASH_TAKERS", "200"))
    port = int(setting("CRASH_PORT", "8101"))
    VAR.mkdir(parents=True, exist_ok=True)
    redis_url = setting("CRASH_REDIS_URL", "redis://127.0.0.1:6379/2")
    env = server_environment(
        database_url=setting(
            "CRASH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/training_load"
        ),
        redis_url=redis_url,
        port=port,
        cache_prefix="training_crash",
    )
    server = Server(env, port, VAR / "crash_serve.log")
    print(
        f"== 启动服务器（make serve 的同一脚本，端口 {port}，日志 {server.log_path}）", flush=True
    )
    if server.answers():
        print(f"端口 {port} 已被占用，请先停止占用它的服务。", file=sys.stderr)
        return 2
    plan_path = VAR / "crash_exam.json"
    server.start(setup=True)
    try:
        server.wait_ready(timeout=1800)
        redis.Redis.from_url(redis_url).flushdb()
        print(f"== 准备考试与 {takers} 个登录会话", flush=True)
        manage(env, "prepare_load_exam", "--takers", str(takers), "--output", str(plan_path))
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        run = Run(
            RunConfig(
                base_url=f"http://{LOOPBACK}:{port}/",
                plan=plan,
                saves_per_taker=int(setting("CRASH_SAVES", "60")),
                think_seconds=think_range(setting("CRASH_THINK", "0.5-1.5")),
                ramp_seconds=float(setting("CRASH_RAMP", "10")),
                max_seconds=900,
                connections=50,
                seed=8,
                crash_mode=True,
            )
        )
        print("== 模拟考试进行中，稍后杀死服务器", flush=True)
        crash = asyncio.run(crash_and_check(run, server, env, plan_path, takers))
        events_path = VAR / "crash_events.json"
        run.write_events(events_path)
        print("== 全部交卷后核对数据库", flush=True)
        final = verify(
            env, plan_path, events_path, VAR / "crash_verify_after.json", skip_grading=False
        )
    finally:
        server.stop()
    figures = summarise(run.stats)
    resume = run.resume
    db_before = crash["db_before"]
    lost_in_db = db_before.get("answers_checked", 0) - db_before.get("answers_found", 0)
    lost_on_resume = resume.expected - resume.shown
    report = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "takers": takers,
        **crash,
        "resume": {
            "takers": resume.takers,
            "expected": resume.expected,
            "shown": resume.shown,
            "problems": resume.problems[:10],
        },
        "final": final,
        "figures": figures,
    }
    (VAR / "crash_report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print("\n== 崩溃测试结果")
    print(
        f"考生 {takers} 人；SIGKILL 杀死进程 {crash['killed_processes']} 个，停机 {crash['downtime_seconds']} 秒"
    )
    print(
        f"杀死前已确认的保存：{crash['acknowledged_before_kill']} 次，"
        f"涉及 {db_before.get('answers_checked', 0)} 个题目的最终答案"
    )
    print(f"重启后数据库中找到：{db_before.get('answers_found', 0)} 个，丢失 {lost_in_db} 个")
    print(
        f"考生重新打开试卷：{resume.takers} 人，应显示 {resume.expected} 个答案，"
        f"实际显示 {resume.shown} 个，丢失 {lost_on_resume} 个"
    )
    for line in resume.problems[:10]:
        print(f"  {line}")
    print(
        f"全部交卷后：已确认保存共 {final.get('acknowledged')} 次，数据库中找到 "
        f"{final.get('answers_found')}/{final.get('answers_checked')} 个最终答案；"
        f"作答 {final.get('attempts')} 份，恰好评分一次 {final.get('graded_once')} 份"
    )
    outage = sum(figures["outage"].values())
    errors = figures["errors"]
    print(f"停机期间未得到回复的请求（预期，未确认）：{outage} 个")
    print(
        "其他错误：" + ("无" if not errors else "；".join(f"{k} × {v}" for k, v in errors.items()))
    )
    passed = (
        lost_in_db == 0
        and lost_on_resume == 0
        and resume.takers == takers
        and db_before.get("ok")
        and final.get("ok")
        and final.get("graded_once") == takers
        and not errors
    )
    print("结论：" + ("通过，已确认的答案无一丢失" if passed else "未通过"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
