"""Start, wait for, kill and stop `deploy/serve.sh` (the process behind `make serve`) for the load
and crash tests, and run manage.py against the same database and cache (deploy/env.sh), with the
load tools installed (portal.settings.loadtest)."""

import http.client
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil

from .exam_client import LOOPBACK, ensure_loopback

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "load"


def server_environment(*, database_url: str, redis_url: str, port: int, cache_prefix: str) -> dict:
    """The server's environment: the production settings of deploy/env.sh on their own database,
    Redis database and port, so a `make serve` on :8000 is not disturbed."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": cache_prefix,
            "GUNICORN_BIND": f"{LOOPBACK}:{port}",
            "GUNICORN_ACCESS_LOG": str(VAR / "access.log"),
            "LOG_LEVEL": env.get("LOG_LEVEL", "WARNING"),
        }
    )
    return env


# The server's production settings plus the load tools (prepare_load_exam, verify_load_exam),
# which production alone does not install.
MANAGE_SETTINGS = "portal.settings.loadtest"


def manage(env: dict, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    """manage.py with deploy/env.sh applied on top of `env` (the server's database, cache and
    secrets), under the load-test settings (production + the load tools)."""
    command = f'. deploy/env.sh && DJANGO_SETTINGS_MODULE={MANAGE_SETTINGS} exec .venv/bin/python manage.py "$@"'
    return subprocess.run(
        ["bash", "-c", command, "manage", *args],
        cwd=ROOT,
        env=env,
        check=not capture,
        capture_output=capture,
        text=True,
    )


class Server:
    def __init__(self, env: dict, port: int, log_path: Path):
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, *, setup: bool) -> None:
        env = dict(self.env, SERVE_SETUP="1" if setup else "0")
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the server
        # A session of its own: the shell execs gunicorn, whose workers share its process group,
        # so one signal to the group reaches the master and every worker.
        self.process = subprocess.Popen(
            ["bash", "deploy/serve.sh"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def answers(self) -> bool:
        ensure_loopback(f"http://{LOOPBACK}:{self.port}/")
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=5)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
            return True
        except OSError:
            return False
        finally:
            connection.close()

    def wait_ready(self, timeout: float) -> float:
        """Seconds until the server answered; fails if it exits or does not answer in time."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"服务器进程已退出（代码 {self.process.returncode}），见 {self.log_path}"
                )
            if self.answers():
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError(f"服务器 {timeout:.0f} 秒内没有响应，见 {self.log_path}")

    def group_processes(self) -> list[psutil.Process]:
        found = []
        for process in psutil.process_iter(["pid", "status"]):
            try:
                # A killed child nobody has reaped yet is a zombie: dead, holding no socket.
                alive = process.info["status"] != psutil.STATUS_ZOMBIE
                if alive and os.getpgid(process.pid) == self.process.pid:
                    found.append(process)
            except (ProcessLookupError, psutil.Error):
                continue
        return found

    def kill(self) -> int:
        """SIGKILL to the master and every worker at once (no graceful anything); returns how
        many processes were killed, after making sure none is left."""
        victims = self.group_processes()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.group_processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.group_processes():
            raise RuntimeError("SIGKILL 之后仍有服务器进程存活")
        return len(victims)

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful shutdown), SIGKILL if it has not ended in 40 s."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
