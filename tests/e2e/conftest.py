"""End-to-end tests: Debian's Chromium driven by Playwright for Python against a live Django server.

One server and one database for the whole run. The seed content, the demo organisation and the
demo history (`make setup`'s data) are loaded once; every journey then builds what it needs (its
own blueprint and exam, with a unique title), so the journeys do not depend on each other and no
test wipes the database between journeys (reloading the seed content takes a minute).

Run with `make e2e` (installs Chromium and axe-core first). `make test` does not run these.
"""

import io
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.test.testcases import LiveServerThread
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import DEMO_PASSWORD

E2E_DIR = Path(__file__).resolve().parent
PROJECT_DIR = E2E_DIR.parent.parent
ARTIFACTS = PROJECT_DIR / "artifacts" / "e2e"
AXE_SCRIPT = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1366, "height": 900},
}
TIMEOUT_MS = 30_000  # generous: CI machines have two cores

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            # WhiteNoise looks for collected static files, which tests do not collect; the live
            # server serves them from the apps' folders instead.
            item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))


# Server and data --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, tmp_path_factory):
    """The test database, with what `make setup` loads: the seed content, the demo organisation
    and the demo history (past months of exams and records, which HR's exports need).

    Replaces pytest-django's set-up because no e2e test uses the `db` fixtures: the browser talks
    to a server thread, and the data must be committed to be seen there. On SQLite the test
    database is a file rather than memory, so each server thread has its own connection, as with
    a real server."""
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        path = tmp_path_factory.mktemp("e2e-db") / "e2e.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        call_command("load_initial_data", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker):
    """Base URL of a live server on 127.0.0.1. The database stays open to the tests for the
    session: each journey sets up its data through the services and checks the database after
    the browser has acted."""
    with django_db_blocker.unblock():
        server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield f"http://127.0.0.1:{server.port}"
        finally:
            server.terminate()


# Browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"找不到 Debian 的 Chromium（{CHROMIUM}）：请先运行 make e2e-deps（apt-get install chromium）。"
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls made between browser
    # steps are ordinary blocking calls, which Django refuses while a loop runs unless told so.
    # Set here, not at import, so that `make test` (which imports this file) keeps the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserIssues:
    """What a page reported that no user should cause: CSP refusals, script errors, 5xx."""

    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # printed when a test fails

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"脚本错误：{error}"))
        page.on("response", self._response)

    def _response(self, response) -> None:
        request = response.request
        if "/static/" not in response.url:
            self.requests.append(f"{request.method} {response.url} → {response.status}")
        if response.status >= 500:
            self.problems.append(f"服务器错误 {response.status}：{response.url}")

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"CSP：{text}")
        elif message.type == "error" and "Failed to load resource" not in text:
            self.problems.append(f"控制台错误：{text}")


@dataclass
class Session:
    """One browser context at one viewport: its page, and screenshots named after the journey."""

    page: Page
    viewport: str
    base_url: str
    journey: str
    issues: BrowserIssues

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))
        self.page.wait_for_load_state("networkidle")

    def shot(self, step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.journey}-{step}-{self.viewport}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Through the real login form, as a person would."""
        page = self.page
        page.goto(self.url("/accounts/login/"))
        page.get_by_label("用户名或工号").fill(username)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("button", name="退出")).to_be_visible()

    def assert_clean(self) -> None:
        assert not self.issues.problems, "\n".join(self.issues.problems)


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def open_session(browser, live_url, viewport, request):
    """open_session(journey) → a Session in a fresh context (no cookies, no storage). Every page
    is watched for CSP violations, script errors and server errors; the test fails on any."""
    contexts = []
    sessions = []

    def open_(journey: str, *, bypass_csp: bool = False) -> Session:
        context = browser.new_context(
            viewport=VIEWPORTS[viewport],
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        issues = BrowserIssues()
        issues.watch(page)
        session = Session(page, viewport, live_url, journey, issues)
        sessions.append(session)
        return session

    yield open_
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for session in sessions:  # what the page showed when the test failed, and why
            session.shot("failed")
            print(f"{session.journey} 页面：{session.page.url}")
            print("\n".join(session.issues.problems + session.issues.requests[-30:]))
    for context in contexts:
        context.close()
    for session in sessions:
        session.assert_clean()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# Data helpers -----------------------------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"
