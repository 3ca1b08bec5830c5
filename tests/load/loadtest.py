"""`make loadtest`: simulated staff sit a monthly exam against `make serve` on PostgreSQL, then the
database is checked. Prints one table of figures with the machine's load; exits non-zero unless
the run passes.

Profiles (LOAD_PROFILE):
- realistic (the default): 2,000 people all starting within 120 s, a save every 15–30 s, 12 saves
  each. Passes only if every request kind has p95 < 1 s, there is no error and the database check
  passes.
- burst: today's stress profile, everyone within 60 s and a save every 2–5 s, 40 saves each;
  reports the sustained save rate (target ≥ 500/s) and passes on 0 errors and the database check.

LOAD_SERVERS=2 (or more) starts that many app servers (deploy/serve.sh, each on its own loopback
port from LOAD_SERVER_PORT [8110] up) behind HAProxy (deploy/haproxy.cfg, Debian's package:
scripts/install-haproxy.sh) on LOAD_PORT; the client talks only to the balancer. Once half the
planned saves are acknowledged, the last app server is killed with SIGKILL (master, workers and its
background worker) and started again (LOAD_KILL=0: no kill); the client resends what got no reply,
as paper.js does, and the figures show those resends and the failover's timings.

Each setting can be changed from the environment (the profile gives the defaults): LOAD_TAKERS,
LOAD_SAVES (saves per person), LOAD_THINK (seconds between saves, "min-max"), LOAD_RAMP (seconds
over which everyone starts), LOAD_CONNECTIONS (client connection pool) [100], LOAD_MAX_SECONDS
(hard limit of the client run) [1200], LOAD_DATABASE_URL
[postgres://postgres@127.0.0.1:5432/training_load], LOAD_REDIS_URL [redis://127.0.0.1:6379/1],
LOAD_PORT [8100], LOAD_SETUP (0: the database is already set up, skip the seed loading of
`make serve`; migrate and collectstatic still run) [1]; WEB_CONCURRENCY and GUNICORN_THREADS pass through to gunicorn (with several
servers WEB_CONCURRENCY defaults to (2 × CPUs + 1) ÷ servers, rounded up, per server).
"""

import asyncio
import contextlib
import json
import math
import os
import platform
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime

import redis

from .balancer import Balancer
from .exam_client import LOOPBACK, Run, RunConfig, percentile, summarise
from .server import VAR, Server, manage, server_environment

PROFILES = {
    "realistic": {"takers": "2000", "ramp": "120", "think": "15-30", "saves": "12"},
    "burst": {"takers": "2000", "ramp": "60", "think": "2-5", "saves": "40"},
}
P95_LIMIT_MS = 1000  # realistic profile: every request kind
SAVE_TARGET_PER_SECOND = 500  # burst profile: sustained
LOAD_SAMPLE_SECONDS = 5


def setting(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def think_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


async def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.2)
    return False


@dataclass
class Settings:
    profile: str
    takers: int
    saves_per_taker: int
    think: str
    ramp: float
    servers: int
    kill: bool
    setup: bool
    port: int
    server_port: int
    workers: int
    threads: int
    connections: int
    max_seconds: float
    database_url: str
    redis_url: str

    @classmethod
    def from_environment(cls) -> "Settings":
        profile = setting("LOAD_PROFILE", "realistic")
        if profile not in PROFILES:
            raise SystemExit(f"LOAD_PROFILE 只能是 {'、'.join(PROFILES)}，而不是 {profile!r}")
        defaults = PROFILES[profile]
        servers = max(1, int(setting("LOAD_SERVERS", "1")))
        cpus = os.cpu_count() or 1
        return cls(
            profile=profile,
            takers=int(setting("LOAD_TAKERS", defaults["takers"])),
            saves_per_taker=int(setting("LOAD_SAVES", defaults["saves"])),
            think=setting("LOAD_THINK", defaults["think"]),
            ramp=float(setting("LOAD_RAMP", defaults["ramp"])),
            servers=servers,
            kill=servers > 1 and setting("LOAD_KILL", "1") != "0",
            setup=setting("LOAD_SETUP", "1") != "0",
            port=int(setting("LOAD_PORT", "8100")),
            server_port=int(setting("LOAD_SERVER_PORT", "8110")),
            workers=int(setting("WEB_CONCURRENCY", str(math.ceil((cpus * 2 + 1) / servers)))),
            threads=int(setting("GUNICORN_THREADS", "4")),
            connections=int(setting("LOAD_CONNECTIONS", "100")),
            max_seconds=float(setting("LOAD_MAX_SECONDS", "1200")),
            database_url=setting(
                "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/training_load"
            ),
            redis_url=setting("LOAD_REDIS_URL", "redis://127.0.0.1:6379/1"),
        )

    def app_ports(self) -> list[int]:
        if self.servers == 1:
            return [self.port]
        return [self.server_port + number for number in range(self.servers)]


class Cluster:
    """The app servers (one: on LOAD_PORT itself; several: behind HAProxy on LOAD_PORT)."""

    def __init__(self, config: Settings):
        self.config = config
        self.servers: list[Server] = []
        for number, port in enumerate(config.app_ports(), start=1):
            env = server_environment(
                database_url=config.database_url,
                redis_url=config.redis_url,
                port=port,
                cache_prefix="training_load",
            )
            suffix = "" if config.servers == 1 else f"-app{number}"
            env["GUNICORN_ACCESS_LOG"] = str(VAR / f"access{suffix}.log")
            env["WEB_CONCURRENCY"] = str(config.workers)
            env["GUNICORN_THREADS"] = str(config.threads)
            if config.servers > 1:
                env["TRUSTED_PROXY_COUNT"] = "1"  # the balancer appends X-Forwarded-For
            self.servers.append(Server(env, port, VAR / f"serve{suffix}.log"))
        self.env = self.servers[0].env
        self.balancer = (
            Balancer(
                port=config.port,
                server_ports=config.app_ports(),
                server_maxconn=config.workers * config.threads,
                directory=VAR,
            )
            if config.servers > 1
            else None
        )

    def busy_ports(self) -> list[int]:
        ports = [server.port for server in self.servers]
        ports += [self.config.port] if self.balancer is not None else []
        busy = []
        for port in ports:
            try:
                socket.create_connection((LOOPBACK, port), timeout=1).close()
                busy.append(port)
            except OSError:
                pass
        return busy

    def start(self) -> None:
        first, *others = self.servers
        if not self.config.setup:
            # The database was set up by an earlier run: only what a new release needs.
            manage(self.env, "migrate", "--noinput")
            manage(self.env, "collectstatic", "--noinput", "--verbosity", "0")
        first.start(setup=self.config.setup)
        first.wait_ready(timeout=1800)
        for server in others:
            server.start(setup=False)
        for server in others:
            server.wait_ready(timeout=600)
        if self.balancer is not None:
            self.balancer.start()
            self.balancer.wait_ready(timeout=60)

    def stop(self) -> None:
        if self.balancer is not None:
            self.balancer.stop()
        for server in self.servers:
            server.stop()


@dataclass
class LoadSampler:
    samples: list[float] = field(default_factory=list)

    async def sample(self, done: asyncio.Event) -> None:
        while not done.is_set():
            self.samples.append(load_average())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), LOAD_SAMPLE_SECONDS)


async def kill_midway(run: Run, cluster: Cluster, planned_saves: int) -> dict:
    """Midway (half the planned saves acknowledged, or the planned middle of the exam), SIGKILL
    the last app server and start it again; the balancer's view of it (DOWN, then UP) timed from
    the kill."""
    balancer, victim = cluster.balancer, cluster.servers[-1]
    name = f"app{len(cluster.servers)}"
    # Half the planned saves acknowledged, or the planned middle of the exam if the server is
    # too slow for that (the ramp, then half of everyone's saves at the mean pace).
    config = cluster.config
    low, high = think_range(config.think)
    middle = config.ramp + config.saves_per_taker * (low + high) / 4
    await wait_for(lambda: run.acknowledged() >= planned_saves // 2, middle)
    before = balancer.server_states()
    acknowledged = run.acknowledged()
    began = time.monotonic()
    killed = await asyncio.to_thread(victim.kill)
    marked_down = await asyncio.to_thread(balancer.wait_status, name, "DOWN", 30)
    print(
        f"已用 SIGKILL 杀死 {name}（端口 {victim.port}）的 {killed} 个进程，"
        f"负载均衡器 {marked_down if marked_down is None else round(marked_down, 1)} 秒后将其标为 DOWN",
        flush=True,
    )
    victim.start(setup=False)
    await asyncio.to_thread(victim.wait_ready, 600)
    restarted = time.monotonic() - began
    await asyncio.to_thread(balancer.wait_status, name, "UP", 60)
    back = time.monotonic() - began
    print(f"{name} 已重启（{restarted:.1f} 秒后应答），{back:.1f} 秒后重新接收请求", flush=True)
    return {
        "server": name,
        "killed_processes": killed,
        "killed_at": began,
        "acknowledged_before": acknowledged,
        "marked_down_seconds": None if marked_down is None else round(marked_down, 1),
        "restarted_seconds": round(restarted, 1),
        "back_in_rotation_seconds": round(back, 1),
        "balancer_before": {k: before[k]["stot"] for k in before},
    }


async def drive(run: Run, cluster: Cluster, config: Settings) -> dict:
    """The client run, the load sampler and (several servers) the mid-run kill, together."""
    done = asyncio.Event()
    sampler = LoadSampler()
    sampling = asyncio.create_task(sampler.sample(done))
    killing = None
    if config.kill:
        planned = config.takers * config.saves_per_taker
        killing = asyncio.create_task(kill_midway(run, cluster, planned))
    began = time.monotonic()
    await run.execute()
    elapsed = time.monotonic() - began
    failover = await killing if killing is not None else None
    done.set()
    await sampling
    return {"elapsed": elapsed, "load": sampler.samples, "failover": failover}


def failover_figures(run: Run, failover: dict, states: dict) -> dict:
    """What the kill cost: resends and saves from the kill until 10 s after the server was back."""
    start = failover.pop("killed_at")
    end = start + failover["back_in_rotation_seconds"] + 10
    window = sorted(lat for done, lat in run.stats.save_times if start <= done <= end)
    failover.update(
        {
            "window_seconds": round(end - start, 1),
            "resends_in_window": sum(1 for when in run.stats.retry_times if start <= when <= end),
            "resends_total": len(run.stats.retry_times),
            "saves_in_window": len(window),
            "save_p95_in_window_ms": round(percentile(window, 0.95) * 1000, 1),
            "save_max_in_window_ms": round(window[-1] * 1000, 1) if window else 0.0,
            "balancer": {
                name: {
                    "requests": int(row["stot"]),
                    "times_down": int(row["chkdown"] or 0),
                    "failed_connections": int(row["econ"] or 0),
                    "failed_responses": int(row["eresp"] or 0),
                    "redispatched": int(row["wredis"] or 0),
                }
                for name, row in states.items()
            },
        }
    )
    return failover


def verdict(config: Settings, figures: dict, verify: dict, check_ok: bool) -> list[str]:
    """Why the run fails (empty: it passes)."""
    reasons = []
    if figures["errors"]:
        reasons.append(f"错误 {sum(figures['errors'].values())} 个")
    if not (verify.get("ok") and check_ok):
        reasons.append("数据库核对未通过")
    if config.profile == "realistic":
        slow = [
            f"{kind} p95 {row['p95_ms']:,.0f} ms"
            for kind, row in figures["requests"].items()
            if row["p95_ms"] >= P95_LIMIT_MS
        ]
        if slow:
            reasons.append(f"p95 ≥ {P95_LIMIT_MS} ms：" + "，".join(slow))
    return reasons


def print_figures(report: dict) -> None:
    config, figures, verify = report["config"], report["figures"], report["verify"]
    load = report["load"]
    print("\n== 负载测试结果")
    print(
        f"剖面 {config['profile']}：考生 {config['takers']} 人，{config['ramp']:.0f} 秒内全部开始，"
        f"每人保存 {config['saves_per_taker']} 次，间隔 {config['think']} 秒；应用服务器 "
        f"{config['servers']} 台 × gunicorn {config['workers']} 进程 × {config['threads']} 线程"
        + ("，经 HAProxy" if config["servers"] > 1 else "")
        + f"；客户端用时 {report['client_seconds']:.0f} 秒"
    )
    limit = P95_LIMIT_MS if config["profile"] == "realistic" else None
    print(
        f"{'请求':<8}{'次数':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'最大 ms':>10}"
        + ("  p95 < 1 s" if limit else "")
    )
    for kind, row in figures["requests"].items():
        mark = ("  达标" if row["p95_ms"] < limit else "  未达标") if limit else ""
        print(
            f"{kind:<8}{row['count']:>8}{row['p50_ms']:>10}{row['p95_ms']:>10}"
            f"{row['p99_ms']:>10}{row['max_ms']:>10}{mark}"
        )
    steady = figures.get("steady")
    rate = (steady or {}).get("saves_per_second", 0)
    print(f"保存答案吞吐：全程平均 {figures.get('saves_per_second', 0)} 次/秒", end="")
    if steady:
        print(
            f"；稳定阶段（全部开始后、首人交卷前，{steady['seconds']} 秒）{rate} 次/秒，"
            f"p95 {steady['p95_ms']} ms"
            + (
                f"（目标 ≥ {SAVE_TARGET_PER_SECOND} 次/秒："
                f"{'达标' if rate >= SAVE_TARGET_PER_SECOND else '未达标'}）"
                if config["profile"] == "burst"
                else ""
            )
        )
    else:
        print("；没有稳定阶段（首人交卷时仍有人未开始）")
    errors = figures["errors"]
    print("错误：" + ("无" if not errors else "；".join(f"{k} × {v}" for k, v in errors.items())))
    failover = report.get("failover")
    if failover:
        print_failover(failover, figures["retries"])
    print(
        f"核对：已确认保存 {verify.get('acknowledged')} 次，最终答案 {verify.get('answers_checked')} 个，"
        f"数据库中找到 {verify.get('answers_found')} 个；作答 {verify.get('attempts')} 份，"
        f"恰好评分一次 {verify.get('graded_once')} 份 → {'通过' if verify.get('ok') else '未通过'}"
    )
    print(
        f"机器负载（1 分钟平均，{os.cpu_count()} 核）：开始 {load['before']}，期间 "
        f"{load['min']}–{load['max']}（平均 {load['mean']}），结束 {load['after']}"
    )
    reasons = report["failed"]
    print("结论：" + ("通过" if not reasons else "未通过（" + "；".join(reasons) + "）"))


def print_failover(failover: dict, retries: dict) -> None:
    print(
        f"故障切换：{failover['server']} 被 SIGKILL（{failover['killed_processes']} 个进程，此前已确认 "
        f"{failover['acknowledged_before']} 次保存），均衡器 {failover['marked_down_seconds']} 秒后标为 "
        f"DOWN，{failover['restarted_seconds']} 秒后重启应答，{failover['back_in_rotation_seconds']} 秒后"
        f"重新接收请求"
    )
    print(
        f"  代价：客户端重发 {failover['resends_total']} 次（窗口 {failover['window_seconds']} 秒内 "
        f"{failover['resends_in_window']} 次："
        + ("、".join(f"{k} × {v}" for k, v in retries.items()) or "无")
        + f"）；窗口内保存 {failover['saves_in_window']} 次，p95 {failover['save_p95_in_window_ms']} ms，"
        f"最大 {failover['save_max_in_window_ms']} ms"
    )
    for name, row in failover["balancer"].items():
        print(
            f"  {name}：转发请求 {row['requests']} 个，被标为 DOWN {row['times_down']} 次，"
            f"连接失败 {row['failed_connections']}，响应失败 {row['failed_responses']}，"
            f"改派 {row['redispatched']}"
        )


def run_exam(config: Settings, cluster: Cluster) -> dict:
    """Prepare the exam, drive the client and check the database; the servers are up."""
    env = cluster.env
    # The test's own Redis database: sessions of earlier runs are dropped (they stay valid in
    # PostgreSQL, which cached_db falls back to).
    redis.Redis.from_url(config.redis_url).flushdb()
    plan_path, events_path, verify_path = (
        VAR / "exam.json",
        VAR / "events.json",
        VAR / "verify.json",
    )
    verify_path.unlink(missing_ok=True)
    print(f"== 准备考试与 {config.takers} 个登录会话", flush=True)
    manage(env, "prepare_load_exam", "--takers", str(config.takers), "--output", str(plan_path))
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    run = Run(
        RunConfig(
            base_url=f"http://{LOOPBACK}:{config.port}/",
            plan=plan,
            saves_per_taker=config.saves_per_taker,
            think_seconds=think_range(config.think),
            ramp_seconds=config.ramp,
            max_seconds=config.max_seconds,
            connections=config.connections,
            resend_without_reply=config.servers > 1,
        )
    )
    print("== 模拟考试进行中", flush=True)
    before = load_average()
    outcome = asyncio.run(drive(run, cluster, config))
    after = load_average()
    run.write_events(events_path)
    failover = outcome["failover"]
    if failover is not None:
        failover = failover_figures(run, failover, cluster.balancer.server_states())
    print(f"客户端用时 {outcome['elapsed']:.0f} 秒；考试结束，发布成绩", flush=True)
    ended = manage(
        env,
        "shell",
        "-c",
        f"from tests.load.end_exam import end_exam; print(end_exam(exam_id={int(plan['exam_id'])}))",
        capture=True,
    )
    released = ended.stdout.strip().splitlines()[-1] if ended.returncode == 0 else "失败"
    if ended.returncode != 0:
        print(ended.stderr.strip(), file=sys.stderr)
    print(f"已发布成绩的作答：{released} 份；核对数据库", flush=True)
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
    samples = outcome["load"] or [before]
    return {
        "client_seconds": round(outcome["elapsed"], 1),
        "figures": summarise(run.stats),
        "verify": json.loads(verify_path.read_text(encoding="utf-8"))
        if verify_path.exists()
        else {},
        "check_ok": check.returncode == 0,
        "failover": failover,
        "load": {
            "before": before,
            "after": after,
            "min": min(samples),
            "max": max(samples),
            "mean": round(sum(samples) / len(samples), 2),
        },
    }


def main() -> int:
    config = Settings.from_environment()
    VAR.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(config)
    busy = cluster.busy_ports()
    if busy:
        print(f"端口 {busy} 已被占用，请先停止占用它的服务。", file=sys.stderr)
        return 2
    where = "、".join(str(port) for port in config.app_ports())
    print(
        f"== 启动 {config.servers} 台应用服务器（make serve 的同一脚本，端口 {where}，日志 {VAR}）"
        + (f"，HAProxy 在端口 {config.port}" if cluster.balancer else ""),
        flush=True,
    )
    try:
        cluster.start()
        outcome = run_exam(config, cluster)
    finally:
        cluster.stop()
    report = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "config": {
            **{k: v for k, v in vars(config).items() if not k.endswith("_url")},
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        **outcome,
    }
    report["failed"] = verdict(config, outcome["figures"], outcome["verify"], outcome["check_ok"])
    name = f"report-{config.profile}-{config.servers}.json"
    for path in (VAR / "report.json", VAR / name):
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print_figures(report)
    print(f"（完整结果：{VAR / name}）")
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
