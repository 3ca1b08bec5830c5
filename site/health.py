"""/healthz/: whether this app server can serve requests, for a load balancer's health check.

It answers 200 {"status": "ok", ...} when the database answers a `SELECT 1` and the shared cache
(Redis in production) a set and a get; otherwise 503 naming the part that failed. Every check is
bounded in time — a statement timeout on PostgreSQL, the connection's connect timeout, the cache
client's socket timeouts (settings.base) — so during an outage the balancer gets a quick 503,
never a hung request. No login, no session (nothing reads it, so nothing is loaded or written),
GET only (no form, no CSRF token), never cached, and exempt from the HTTPS redirect
(SECURE_REDIRECT_EXEMPT), so a balancer's plain-HTTP check reaches it.
"""

import os
import socket
import threading

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# PostgreSQL cancels the check's statement after this long (a database that accepts connections
# but is stuck — locks, a full disk — is as unhealthy as one that is down).
DATABASE_STATEMENT_TIMEOUT_MS = 1000
CACHE_TIMEOUT_SECONDS = 10
# One key per process and thread: two servers checking at the same moment never read each
# other's value, and the keys expire by themselves.
CACHE_KEY = f"healthz:{socket.gethostname()}:{os.getpid()}"

# The database the check asks (the tests point it at an unreachable one).
DATABASE_ALIAS = DEFAULT_DB_ALIAS

DATABASE_FAILED = "数据库无响应"
CACHE_FAILED = "缓存（Redis）无响应"
CACHE_WRONG = "缓存（Redis）读回的值不对"


def database_problem(*, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """None when the database answers `SELECT 1`, else what went wrong (in Chinese)."""
    connection = connections[using]
    try:
        if connection.vendor == "postgresql":
            # SET LOCAL needs a transaction; it ends with it, so a persistent connection keeps
            # no timeout of ours.
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(DATABASE_STATEMENT_TIMEOUT_MS)],
                )
                cursor.execute("SELECT 1")
                cursor.fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except DatabaseError as error:
        return f"{DATABASE_FAILED}（{type(error).__name__}）"
    return None


def cache_problem() -> str | None:
    """None when the cache stores and returns a value, else what went wrong (in Chinese)."""
    key = f"{CACHE_KEY}:{threading.get_ident()}"
    token = os.urandom(8).hex()
    try:
        cache.set(key, token, timeout=CACHE_TIMEOUT_SECONDS)
        returned = cache.get(key)
    except Exception as error:  # noqa: BLE001 — any backend's failure (redis, socket, timeout)
        return f"{CACHE_FAILED}（{type(error).__name__}）"
    return None if returned == token else CACHE_WRONG


@never_cache
@require_safe
def healthz(request):
    problems = {"database": database_problem(using=DATABASE_ALIAS), "cache": cache_problem()}
    failed = [part for part, problem in problems.items() if problem]
    body = {
        "status": "unavailable" if failed else "ok",
        **{part: problem or "ok" for part, problem in problems.items()},
        "failed": failed,
    }
    return JsonResponse(
        body, status=503 if failed else 200, json_dumps_params={"ensure_ascii": False}
    )
