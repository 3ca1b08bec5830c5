"""HAProxy in front of the load test's app servers (`make loadtest LOAD_SERVERS=2`): the template
deploy/haproxy.cfg filled in with the ports, Debian's haproxy started in the foreground in its own
session, and its stats socket read for each server's state."""

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from string import Template

from .exam_client import LOOPBACK
from .server import ROOT

TEMPLATE = ROOT / "deploy" / "haproxy.cfg"


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else ""
    )
    if not found:
        raise RuntimeError("没有找到 haproxy，请先运行 bash scripts/install-haproxy.sh")
    return found


def render_config(
    *, port: int, server_ports: list[int], server_maxconn: int, stats_socket: Path
) -> str:
    servers = "\n".join(
        f"    server app{number} {LOOPBACK}:{server_port} check"
        for number, server_port in enumerate(server_ports, start=1)
    )
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        bind=f"{LOOPBACK}:{port}",
        servers=servers,
        server_maxconn=server_maxconn,
        stats_socket=stats_socket,
        check_host=LOOPBACK,
    )


class Balancer:
    def __init__(self, *, port: int, server_ports: list[int], server_maxconn: int, directory: Path):
        self.port = port
        self.config_path = directory / "haproxy.cfg"
        self.stats_socket = directory / "haproxy.sock"
        self.log_path = directory / "haproxy.log"
        self.config_path.write_text(
            render_config(
                port=port,
                server_ports=server_ports,
                server_maxconn=server_maxconn,
                stats_socket=self.stats_socket,
            ),
            encoding="utf-8",
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = haproxy_binary()
        subprocess.run([binary, "-c", "-q", "-f", str(self.config_path)], check=True)
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as haproxy
        self.process = subprocess.Popen(
            [binary, "-db", "-f", str(self.config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def command(self, text: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(5)
            connection.connect(str(self.stats_socket))
            connection.sendall(text.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, dict]:
        """Each app server's row of `show stat`: status (UP/DOWN…), requests sent (stot), times
        it went down (chkdown), failed connections (econ) and responses (eresp), retries (wretr)
        and redispatches (wredis)."""
        text = self.command("show stat").lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {
            row["svname"]: row
            for row in rows
            if row["pxname"] == "app_servers" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"haproxy 已退出（代码 {self.process.returncode}），见 {self.log_path}"
                )
            try:
                if all(row["status"] == "UP" for row in self.server_states().values()):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"haproxy 在 {timeout:.0f} 秒内未见到全部应用服务器健康，见 {self.log_path}"
        )

    def wait_status(self, server: str, status: str, timeout: float) -> float | None:
        """Seconds until `server` shows `status` in the balancer (None: not within timeout)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if self.server_states()[server]["status"] == status:
                    return time.monotonic() - started
            except (OSError, KeyError):
                pass
            time.sleep(0.1)
        return None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
