"""Simulated staff sitting one exam over HTTP (asyncio + aiohttp), for `make loadtest` and
`make crashtest`. Each person does what the paper page (quizzes/static/quizzes/paper.js) does:
open 我的考试, start, open the paper, save one answer at a time as JSON with the CSRF header, and
submit the form. Every request goes to 127.0.0.1 and nowhere else; every loop is bounded in count
and in time.
"""

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp

from tools.loadtesting.load_check import SaveEvent, expected_answers

LOOPBACK = "127.0.0.1"
# Like a browser, the client waits for a slow server rather than giving up and sending the next
# save of the same question while the old one may still be stored.
REQUEST_TIMEOUT_SECONDS = 120
# Behind a load balancer (LOAD_SERVERS > 1): a request that got no reply, or the balancer's
# 502/503/504 (the app server died under it, or none was up), is sent again after 1, 2, 4, 8 s,
# as paper.js resends a save; each resend is counted as the failover's cost, not as an error.
GATEWAY_ERRORS = (502, 503, 504)
RETRY_DELAYS = (1, 2, 4, 8)


class NotLoopback(ValueError):
    pass


def ensure_loopback(url: str) -> str:
    """The only address this client may talk to is 127.0.0.1; refuse anything else."""
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or parts.hostname != LOOPBACK
        or parts.username is not None
        or parts.password is not None
    ):
        raise NotLoopback(f"负载测试只允许向 {LOOPBACK} 发送请求，已拒绝：{url}")
    return url


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not values:
        return 0.0
    rank = max(1, min(len(values), int(-(-fraction * len(values) // 1))))
    return values[rank - 1]


# The paper page ------------------------------------------------------------------------------


@dataclass
class PaperQuestion:
    position: int
    type: str
    options: int = 0
    blanks: int = 0
    shown: object = None  # the answer the page shows as saved (None: unanswered)


@dataclass
class Paper:
    csrf_token: str
    save_path: str
    submit_path: str
    questions: dict[int, PaperQuestion]


class PaperParser(HTMLParser):
    """Reads the paper page as paper.js does: question boxes, their inputs and what is checked."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.csrf_token = ""
        self.save_path = ""
        self.submit_path = ""
        self.questions: dict[int, PaperQuestion] = {}
        self._current: PaperQuestion | None = None
        self._checked: list[str] = []
        self._texts: list[str] = []
        self._textarea: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == "paper":
            self.save_path = attributes.get("data-save-url", "")
        elif tag == "form" and attributes.get("id") == "submit-form":
            self.submit_path = attributes.get("action", "")
        elif tag == "input" and attributes.get("name") == "csrfmiddlewaretoken":
            self.csrf_token = self.csrf_token or attributes.get("value", "")
        elif tag == "fieldset" and "data-position" in attributes:
            self._current = PaperQuestion(
                position=int(attributes["data-position"]), type=attributes.get("data-type", "")
            )
            self._checked, self._texts = [], []
        elif tag == "input" and self._current is not None:
            kind = attributes.get("type", "text")
            if kind in ("radio", "checkbox"):
                self._current.options += 1
                if "checked" in attributes:
                    self._checked.append(attributes.get("value", ""))
            elif kind == "text":
                self._current.blanks += 1
                self._texts.append(attributes.get("value") or "")
        elif tag == "textarea" and self._current is not None:
            self._textarea = []

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._current is not None:
            self._texts.append("".join(self._textarea))
            self._textarea = None
        elif tag == "fieldset" and self._current is not None:
            self._current.shown = self._shown(self._current.type)
            self.questions[self._current.position] = self._current
            self._current = None

    def _shown(self, qtype: str):
        if qtype == "single":
            return int(self._checked[0]) if self._checked else None
        if qtype == "multiple":
            return sorted(int(value) for value in self._checked) or None
        if qtype == "truefalse":
            return (self._checked[0] == "true") if self._checked else None
        if qtype == "fill":
            return None if all(not text.strip() for text in self._texts) else list(self._texts)
        text = "".join(self._texts)
        return text or None


def parse_paper(html: str) -> Paper:
    parser = PaperParser()
    parser.feed(html)
    parser.close()
    if not (parser.csrf_token and parser.save_path and parser.questions):
        raise ValueError("试卷页面中没有找到题目、保存地址或 CSRF 令牌")
    return Paper(parser.csrf_token, parser.save_path, parser.submit_path, parser.questions)


def first_csrf_token(html: str) -> str:
    parser = PaperParser()
    parser.feed(html)
    return parser.csrf_token


SHORT_ANSWERS = [
    "首先向客户致歉，耐心倾听，记录诉求，按首问负责制跟踪办理并及时回复。",
    "使用文明用语，主动热情，一次告知办理所需资料和时限。",
    "核实停电范围与原因，告知预计恢复时间，安抚客户情绪。",
    "按规定时限到达现场，抢修完毕后向客户说明情况并征求意见。",
]


def random_response(question: PaperQuestion, rng: random.Random):
    """A valid answer in the form the server stores it (so a resumed page shows it unchanged)."""
    if question.type == "single":
        return rng.randrange(question.options)
    if question.type == "multiple":
        return sorted(rng.sample(range(question.options), rng.randint(1, question.options)))
    if question.type == "truefalse":
        return rng.random() < 0.5
    if question.type == "fill":
        return [f"答案{rng.randint(1, 9999)}" for _ in range(question.blanks)]
    return f"{rng.choice(SHORT_ANSWERS)}（{rng.randint(1, 9999)}）"


# Figures -------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # seconds, by request kind
    save_times: list[tuple[float, float]] = field(default_factory=list)  # (done at, latency)
    errors: Counter = field(default_factory=Counter)
    outage: Counter = field(default_factory=Counter)  # crash test: no reply while it was down
    retries: Counter = field(default_factory=Counter)  # behind a balancer: resent, by reason
    retry_times: list[float] = field(default_factory=list)  # when each resend happened
    first_start: float | None = None
    all_started: float | None = None
    first_submit: float | None = None

    def record(self, kind: str, latency: float) -> None:
        self.latencies.setdefault(kind, []).append(latency)

    def error(self, kind: str) -> None:
        self.errors[kind] += 1


def summarise(stats: Stats) -> dict:
    """Throughput and latency figures: over the whole run, and over the steady window in which
    every person had started and nobody had submitted yet."""
    figures: dict = {
        "requests": {},
        "errors": dict(stats.errors),
        "outage": dict(stats.outage),
        "retries": dict(stats.retries),
    }
    for kind, values in sorted(stats.latencies.items()):
        ordered = sorted(values)
        figures["requests"][kind] = {
            "count": len(ordered),
            "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
            "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
            "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
        }
    saves = sorted(stats.save_times)
    if saves:
        span = max(saves[-1][0] - saves[0][0], 1e-9)
        figures["saves_per_second"] = round(len(saves) / span, 1)
    if saves and stats.all_started is not None:
        end = stats.first_submit if stats.first_submit is not None else saves[-1][0]
        window = [lat for done, lat in saves if stats.all_started <= done <= end]
        if end > stats.all_started and window:
            ordered = sorted(window)
            figures["steady"] = {
                "seconds": round(end - stats.all_started, 1),
                "saves": len(window),
                "saves_per_second": round(len(window) / (end - stats.all_started), 1),
                "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
                "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
                "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
            }
    return figures


# The run -------------------------------------------------------------------------------------


@dataclass
class RunConfig:
    base_url: str
    plan: dict  # what prepare_load_exam wrote
    saves_per_taker: int = 40
    think_seconds: tuple[float, float] = (2.0, 5.0)
    ramp_seconds: float = 60.0
    max_seconds: float = 900.0  # the whole run stops by itself after this
    connections: int = 100
    seed: int = 2026
    # Crash test: a failed request means the server is down: wait for it, reload the paper,
    # check it against what was acknowledged, then send the answer again.
    crash_mode: bool = False
    # Behind a load balancer: resend what got no reply or a gateway error (RETRY_DELAYS).
    resend_without_reply: bool = False


@dataclass
class ResumeCheck:
    takers: int = 0
    expected: int = 0  # answers acknowledged before the crash (last value per question)
    shown: int = 0  # of those, shown on the reloaded paper
    problems: list[str] = field(default_factory=list)


class Run:
    def __init__(self, config: RunConfig):
        ensure_loopback(config.base_url)
        self.config = config
        self.stats = Stats()
        self.started = 0
        self.finished = 0
        self.deadline = 0.0
        self.session: aiohttp.ClientSession | None = None
        self.takers: list[Taker] = []
        # Crash test: cleared while the server is down; the epoch counts crashes.
        self.server_up = asyncio.Event()
        self.server_up.set()
        self.crash_epoch = 0
        self.resume = ResumeCheck()

    def url(self, path: str) -> str:
        return ensure_loopback(urljoin(self.config.base_url, path))

    def acknowledged(self) -> int:
        return sum(1 for taker in self.takers for event in taker.events if event.acknowledged)

    def events(self) -> list[SaveEvent]:
        return [event for taker in self.takers for event in taker.events]

    def submitted(self) -> list[str]:
        return [taker.attempt for taker in self.takers if taker.submitted]

    def write_events(self, path: Path) -> None:
        path.write_text(
            json.dumps(
                {
                    "saves": [
                        [e.attempt, e.position, e.response, e.acknowledged, e.abandoned]
                        for e in self.events()
                    ],
                    "submitted": self.submitted(),
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )

    async def execute(self) -> None:
        config = self.config
        rng = random.Random(config.seed)
        sessions = config.plan["sessions"]
        delays = sorted(rng.uniform(0, config.ramp_seconds) for _ in sessions)
        rng.shuffle(delays)
        self.takers = [
            Taker(self, username, key, delay, random.Random(rng.random()))
            for (username, key), delay in zip(sessions, delays, strict=True)
        ]
        # Idle connections are dropped before gunicorn's keep-alive (5 s) would close them, so a
        # request never goes out on a socket the server is closing (as a load balancer's pool).
        connector = aiohttp.TCPConnector(limit=config.connections, keepalive_timeout=2)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
        self.deadline = time.monotonic() + config.max_seconds
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
        ) as session:
            self.session = session
            tasks = [asyncio.create_task(taker.main()) for taker in self.takers]
            done, pending = await asyncio.wait(tasks, timeout=config.max_seconds + 5)
            for task in pending:
                task.cancel()
                self.stats.error("整体时限已到，未完成")
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    self.stats.error(f"客户端异常：{type(task.exception()).__name__}")


class RequestFailed(Exception):
    """No HTTP answer at all (connection refused or reset, timeout)."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class OutOfTime(Exception):
    """The run's overall time limit has passed: this person stops where they are."""


class Taker:
    def __init__(self, run: Run, username: str, session_key: str, delay: float, rng):
        self.run = run
        self.username = username
        self.delay = delay
        self.rng = rng
        plan = run.config.plan
        self.cookies = {plan["session_cookie"]: session_key}
        self.csrf_cookie = plan["csrf_cookie"]
        self.attempt = ""
        self.paper: Paper | None = None
        self.paper_path = ""
        self.events: list[SaveEvent] = []
        self.submitted = False
        self.checked_epoch = 0

    async def request(self, kind: str, method: str, path: str, *, record: bool = True, **kwargs):
        """One request with this person's cookies; redirects are returned, not followed, so
        each hop is checked against the loopback rule. Behind a balancer, what got no reply or a
        gateway error is resent (the latency recorded is then the person's whole wait)."""
        resend = self.run.config.resend_without_reply and kind != "保存答案"  # save() resends
        began = time.monotonic()
        for delay in (*RETRY_DELAYS, None) if resend else (None,):
            try:
                status, body, location = await self.send_once(kind, method, path, **kwargs)
            except RequestFailed as error:
                if delay is None or error.timed_out:
                    raise
                self.note_retry(f"{kind}：无回复")
            else:
                if delay is None or status not in GATEWAY_ERRORS:
                    latency = time.monotonic() - began
                    if record:
                        self.run.stats.record(kind, latency)
                    return status, body, location, latency
                self.note_retry(f"{kind}：HTTP {status}")
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def note_retry(self, reason: str) -> None:
        self.run.stats.retries[reason] += 1
        self.run.stats.retry_times.append(time.monotonic())

    async def send_once(self, kind: str, method: str, path: str, **kwargs):
        run = self.run
        if time.monotonic() > run.deadline:
            raise OutOfTime
        headers = dict(kwargs.pop("headers", {}))
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            async with run.session.request(
                method, run.url(path), headers=headers, allow_redirects=False, **kwargs
            ) as reply:
                body = await reply.text()
                for name, morsel in reply.cookies.items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
                location = reply.headers.get("Location", "")
                status = reply.status
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            label = (
                "超时" if isinstance(error, TimeoutError) else f"连接失败（{type(error).__name__}）"
            )
            raise RequestFailed(f"{kind}：{label}", timed_out=label == "超时") from error
        if location:
            location = urlsplit(run.url(urljoin(path, location))).path
        return status, body, location

    async def main(self) -> None:
        try:
            await self.sit()
        except OutOfTime:
            self.run.stats.error("整体时限已到，未完成")

    async def sit(self) -> None:
        await asyncio.sleep(self.delay)
        stats = self.run.stats
        now = time.monotonic()
        stats.first_start = stats.first_start or now
        try:
            await self.start()
        except RequestFailed as error:
            stats.error(str(error))
            return
        self.run.started += 1
        if self.run.started == len(self.run.takers):
            stats.all_started = time.monotonic()
        if not self.attempt:
            return
        for _ in range(self.run.config.saves_per_taker):
            await asyncio.sleep(self.rng.uniform(*self.run.config.think_seconds))
            question = self.rng.choice(list(self.paper.questions.values()))
            await self.save(question.position, random_response(question, self.rng))
        if self.run.config.crash_mode and self.checked_epoch != self.run.crash_epoch:
            await self.resume_after_crash()
        stats.first_submit = stats.first_submit or time.monotonic()
        await self.submit()
        self.run.finished += 1

    async def start(self) -> None:
        stats = self.run.stats
        status, html, _, _ = await self.request("我的考试", "GET", "/exams/")
        token = first_csrf_token(html) if status == 200 else ""
        if not token:
            stats.error(f"我的考试：HTTP {status}，页面中没有开始考试的表单")
            return
        status, _, location, _ = await self.request(
            "开始考试",
            "POST",
            self.run.config.plan["start_path"],
            data={"csrfmiddlewaretoken": token},
        )
        if status != 302 or not location.startswith("/attempts/"):
            stats.error(f"开始考试：HTTP {status} → {location or '无跳转'}")
            return
        self.paper_path = location
        if await self.load_paper() is not None:
            self.attempt = location.strip("/").split("/")[1]

    async def load_paper(self) -> Paper | None:
        status, html, _, _ = await self.request("打开试卷", "GET", self.paper_path)
        if status != 200:
            self.run.stats.error(f"打开试卷：HTTP {status}")
            return None
        self.paper = parse_paper(html)
        return self.paper

    async def save(self, position: int, response) -> None:
        """Send one answer until the server acknowledges or refuses it: crash test, across a
        restart (three tries); behind a balancer, resent after no reply or a gateway error
        (RETRY_DELAYS). The latency recorded is the person's whole wait."""
        run, stats = self.run, self.run.stats
        resend = run.config.resend_without_reply
        body = json.dumps({"position": position, "response": response})
        began = time.monotonic()
        for delay in (*RETRY_DELAYS, None) if resend else (0, 0, None):
            if run.config.crash_mode and self.checked_epoch != run.crash_epoch:
                await self.resume_after_crash()
                began = time.monotonic()
            event = SaveEvent(self.attempt, position, response, False)
            self.events.append(event)
            try:
                status, text, _, _ = await self.request(
                    "保存答案",
                    "POST",
                    self.paper.save_path,
                    record=False,
                    data=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-CSRFToken": self.paper.csrf_token,
                    },
                )
            except RequestFailed as error:
                event.abandoned = error.timed_out
                if run.config.crash_mode and not run.server_up.is_set():
                    stats.outage[str(error)] += 1  # expected: the server was killed
                    continue
                if not (resend and delay is not None and not error.timed_out):
                    stats.error(str(error))
                    return
                self.note_retry("保存答案：无回复")
                await asyncio.sleep(delay)
                continue
            if resend and delay is not None and status in GATEWAY_ERRORS:
                self.note_retry(f"保存答案：HTTP {status}")
                await asyncio.sleep(delay)
                continue
            self.saved(event, status, text, time.monotonic() - began)
            return

    def saved(self, event: SaveEvent, status: int, text: str, latency: float) -> None:
        stats = self.run.stats
        stats.record("保存答案", latency)
        try:
            saved = status == 200 and json.loads(text).get("saved") is True
        except ValueError:
            saved = False
        if saved:
            event.acknowledged = True
            stats.save_times.append((time.monotonic(), latency))
        else:
            stats.error(f"保存答案：HTTP {status}")

    async def resume_after_crash(self) -> None:
        """Wait for the restarted server, reload the paper, and compare what it shows with every
        answer acknowledged so far (all of them before the crash)."""
        run = self.run
        await run.server_up.wait()
        self.checked_epoch = run.crash_epoch
        expected = expected_answers(self.events)
        paper = None
        for _ in range(3):
            try:
                paper = await self.load_paper()
                break
            except RequestFailed as error:
                run.stats.error(f"恢复后{error}")
                await asyncio.sleep(1)
        check = run.resume
        check.takers += 1
        check.expected += len(expected)
        if paper is None:
            check.problems.append(f"{self.username}：重启后打不开试卷")
            return
        for (_, position), allowed in expected.items():
            shown = paper.questions[position].shown if position in paper.questions else None
            if shown in allowed:
                check.shown += 1
            else:
                check.problems.append(
                    f"{self.username} 第 {position} 题：已确认 {allowed[0]!r}，页面显示 {shown!r}"
                )

    async def submit(self) -> None:
        stats = self.run.stats
        try:
            status, _, location, _ = await self.request(
                "交卷",
                "POST",
                self.paper.submit_path,
                data={"csrfmiddlewaretoken": self.paper.csrf_token},
            )
            if status != 302 or not location.endswith("/result/"):
                stats.error(f"交卷：HTTP {status}")
                return
            self.submitted = True
            status, _, _, _ = await self.request("成绩页", "GET", location)
            if status != 200:
                stats.error(f"成绩页：HTTP {status}")
        except RequestFailed as error:
            stats.error(str(error))
