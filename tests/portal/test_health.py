"""/healthz/ (portal/health.py), the load balancer's health check: 200 when the database and the
cache answer, a 503 naming the failed part when either is down (real failures: a connection to a
closed port or an unopenable file, a Redis client pointed at a closed port), no login, no session,
a bounded number of queries."""

import copy
import json
import socket

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from portal import health

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A loopback port nothing listens on: bound by us, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_database(tmp_path, monkeypatch):
    """The check pointed at a database that cannot be reached: PostgreSQL on a closed port, or
    SQLite in a directory that does not exist. The driver's own error, nothing patched inside."""
    settings_dict = copy.deepcopy(connection.settings_dict)
    if connection.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    else:
        settings_dict["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    broken = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, alias="unreachable"
    )
    connections["unreachable"] = broken
    monkeypatch.setattr(health, "DATABASE_ALIAS", "unreachable")
    yield broken
    broken.close()
    del connections["unreachable"]


def unreachable_redis() -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_healthy_answers_200_ok_without_login_session_or_cookie():
    sessions = Session.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/healthz/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "failed": [],
    }
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie
    assert Session.objects.count() == sessions
    # SELECT 1 (PostgreSQL: with its statement timeout, inside a savepoint in tests) and nothing
    # else: no session, no user, no table at all.
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) <= 4, statements
    assert any(sql.strip() == "SELECT 1" for sql in statements), statements
    assert not [sql for sql in statements if "FROM" in sql.upper()], statements


def test_database_unreachable_answers_503_naming_the_database(unreachable_database):
    response = Client().get("/healthz/")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database"]
    assert body["database"].startswith("数据库无响应")
    assert "OperationalError" in body["database"]
    assert body["cache"] == "ok"


def test_cache_unreachable_answers_503_naming_the_cache():
    with override_settings(CACHES=unreachable_redis()):
        response = Client().get("/healthz/")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failed"] == ["cache"]
    assert body["cache"].startswith("缓存（Redis）无响应")
    assert "ConnectionError" in body["cache"]
    assert body["database"] == "ok"


def test_both_down_names_both(unreachable_database):
    with override_settings(CACHES=unreachable_redis()):
        response = Client().get("/healthz/")
    assert response.status_code == 503
    assert json.loads(response.content)["failed"] == ["database", "cache"]


def test_a_signed_in_persons_session_is_not_written(staff_user):
    client = Client()
    client.force_login(staff_user)
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert not response.cookies


def test_plain_http_check_is_not_redirected_to_https():
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()
        assert client.get("/healthz/").status_code == 200
        # Every other page still goes to HTTPS.
        assert client.get("/accounts/login/").status_code == 301


def test_only_reads():
    client = Client()
    assert client.post("/healthz/").status_code == 405
    assert client.head("/healthz/").status_code == 200
