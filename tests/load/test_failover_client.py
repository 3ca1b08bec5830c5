"""The parts of `make loadtest LOAD_SERVERS=2` that decide what the figures say: the balancer's
configuration from deploy/haproxy.cfg, the client's resending of a save that got no reply or a
gateway error (as paper.js does) and the pass rule. A real HTTP server on 127.0.0.1 answers."""

import asyncio
import random
import socket

import aiohttp
from aiohttp import web

from tests.load import exam_client
from tests.load.balancer import render_config
from tests.load.exam_client import Paper, PaperQuestion, Run, RunConfig, Taker
from tests.load.loadtest import PROFILES, Settings, verdict

PLAN = {"sessions": [], "session_cookie": "sessionid", "csrf_cookie": "csrftoken"}


def test_the_balancer_config_names_every_server_and_checks_healthz(tmp_path):
    text = render_config(
        port=8100, server_ports=[8110, 8111], server_maxconn=12, stats_socket=tmp_path / "s.sock"
    )
    assert "bind 127.0.0.1:8100" in text
    assert "server app1 127.0.0.1:8110 check" in text
    assert "server app2 127.0.0.1:8111 check" in text
    assert "http-check send meth GET uri /healthz/" in text
    assert "http-check expect status 200" in text
    assert "maxconn 12" in text
    assert "$" not in text  # every placeholder filled


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def save_through(replies: list[int], *, resend: bool) -> Run:
    """One person saves one answer against a server that answers `replies` in turn (then 200)."""
    answered = []

    async def save(request):
        answered.append(await request.json())
        status = replies[len(answered) - 1] if len(answered) <= len(replies) else 200
        if status == 0:  # the server dies mid-request: the connection closes without a reply
            request.transport.close()
            return web.Response()
        if status != 200:
            return web.Response(status=status, text="<html>502 Bad Gateway</html>")
        return web.json_response({"saved": True})

    app = web.Application()
    app.router.add_post("/attempts/x/answers/", save)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    run = Run(
        RunConfig(base_url=f"http://127.0.0.1:{port}/", plan=PLAN, resend_without_reply=resend)
    )
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            run.session = session
            run.deadline = asyncio.get_running_loop().time() + 60
            taker = Taker(run, "YC00001", "key", 0, random.Random(1))
            taker.attempt = "x"
            taker.paper = Paper(
                "token",
                "/attempts/x/answers/",
                "/attempts/x/submit/",
                {1: PaperQuestion(1, "single", 4)},
            )
            run.takers = [taker]
            await taker.save(1, 2)
    finally:
        await runner.cleanup()
    run.answered = answered
    return run


def test_behind_the_balancer_a_save_without_reply_is_resent_until_acknowledged(monkeypatch):
    monkeypatch.setattr(exam_client, "RETRY_DELAYS", (0.01, 0.01, 0.01, 0.01))
    run = asyncio.run(save_through([502, 0, 503], resend=True))
    assert len(run.answered) == 4
    taker = run.takers[0]
    assert [event.acknowledged for event in taker.events] == [False, False, False, True]
    assert run.acknowledged() == 1
    assert dict(run.stats.retries) == {
        "保存答案：HTTP 502": 1,
        "保存答案：无回复": 1,
        "保存答案：HTTP 503": 1,
    }
    assert not run.stats.errors
    # One save as the person lived it: one latency, covering all four sends.
    assert len(run.stats.latencies["保存答案"]) == 1


def test_a_save_that_never_gets_through_is_an_error(monkeypatch):
    monkeypatch.setattr(exam_client, "RETRY_DELAYS", (0.01, 0.01))
    run = asyncio.run(save_through([502, 502, 502, 502], resend=True))
    assert run.acknowledged() == 0
    assert sum(run.stats.retries.values()) == 2
    assert dict(run.stats.errors) == {"保存答案：HTTP 502": 1}


def test_without_a_balancer_a_gateway_error_is_an_error_at_once():
    run = asyncio.run(save_through([502], resend=False))
    assert len(run.answered) == 1
    assert not run.stats.retries
    assert dict(run.stats.errors) == {"保存答案：HTTP 502": 1}


def figures(p95s: dict, errors: dict | None = None) -> dict:
    return {
        "requests": {kind: {"p95_ms": p95} for kind, p95 in p95s.items()},
        "errors": errors or {},
    }


def settings(profile: str) -> Settings:
    defaults = PROFILES[profile]
    return Settings(
        profile=profile,
        takers=int(defaults["takers"]),
        saves_per_taker=int(defaults["saves"]),
        think=defaults["think"],
        ramp=float(defaults["ramp"]),
        servers=1,
        kill=False,
        setup=True,
        port=8100,
        server_port=8110,
        workers=5,
        threads=4,
        connections=100,
        max_seconds=1200,
        database_url="",
        redis_url="",
    )


def test_the_realistic_profile_fails_on_any_p95_of_a_second_or_more():
    ok = {"ok": True}
    assert (
        verdict(settings("realistic"), figures({"保存答案": 20, "我的考试": 999.9}), ok, True) == []
    )
    reasons = verdict(settings("realistic"), figures({"保存答案": 20, "我的考试": 1000}), ok, True)
    assert reasons == ["p95 ≥ 1000 ms：我的考试 p95 1,000 ms"]
    # The burst profile reports its rate; slow pages alone do not fail it.
    assert verdict(settings("burst"), figures({"我的考试": 20_000}), ok, True) == []


def test_errors_or_a_failed_check_fail_every_profile():
    for profile in PROFILES:
        assert verdict(settings(profile), figures({}, {"交卷：HTTP 500": 1}), {"ok": True}, True)
        assert verdict(settings(profile), figures({}), {"ok": False}, True)
        assert verdict(settings(profile), figures({}), {"ok": True}, False)


def test_the_defaults_are_the_realistic_profile(monkeypatch):
    for name in ("LOAD_PROFILE", "LOAD_TAKERS", "LOAD_RAMP", "LOAD_THINK", "LOAD_SAVES"):
        monkeypatch.delenv(name, raising=False)
    config = Settings.from_environment()
    assert (config.profile, config.takers, config.ramp, config.think, config.saves_per_taker) == (
        "realistic",
        2000,
        120.0,
        "15-30",
        12,
    )
    monkeypatch.setenv("LOAD_PROFILE", "burst")
    burst = Settings.from_environment()
    assert (burst.ramp, burst.think, burst.saves_per_taker) == (60.0, "2-5", 40)
