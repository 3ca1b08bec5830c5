"""Who is guessing passwords: the client's address behind trusted proxies, and the per-address
login throttle (counted in the shared cache, so it holds across app servers)."""

import ipaddress
import math
import time

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse

# The clock the throttle reads (tests move it).
clock = time.time


def client_address(request) -> str:
    """The address the request came from. With TRUSTED_PROXY_COUNT = 0 it is the connection's
    (REMOTE_ADDR), whatever X-Forwarded-For says. With N trusted proxies in front (a load
    balancer: N = 1), each appends the address it was called from, so the client is the N-th
    entry from the right of X-Forwarded-For; entries further left were written by the client and
    are ignored. A header shorter than that (the request bypassed a proxy) or not an address:
    REMOTE_ADDR. django-axes uses this too (AXES_CLIENT_IP_CALLABLE)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote


def _window(now: float) -> tuple[int, float]:
    """(this window's number, seconds until it ends): fixed windows, the same on every server."""
    length = settings.LOGIN_THROTTLE_WINDOW
    number = int(now // length)
    return number, (number + 1) * length - now


def _key(address: str, number: int) -> str:
    return f"login-failures:{address}:{number}"


def record_failure(*, address: str, now: float | None = None) -> int:
    """Count one failed login from `address` in the current window; returns the count."""
    number, left = _window(clock() if now is None else now)
    key = _key(address, number)
    timeout = math.ceil(left) + 60
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def wait_seconds(*, address: str, now: float | None = None) -> int:
    """0 when a login attempt from `address` may go ahead now, else how long to wait.

    Below LOGIN_THROTTLE_FAILURES failed logins in the current window nothing is slowed. Above
    it, the address gets one attempt per LOGIN_THROTTLE_DELAY seconds (a slot taken atomically
    in the shared cache): guessing slows to a crawl, but a colleague behind the same address
    waits seconds, never the rest of the window, so no one can lock another person out."""
    now = clock() if now is None else now
    number, _ = _window(now)
    if (cache.get(_key(address, number)) or 0) < settings.LOGIN_THROTTLE_FAILURES:
        return 0
    delay = settings.LOGIN_THROTTLE_DELAY
    slot = int(now // delay)
    if cache.add(f"login-slot:{address}:{slot}", 1, timeout=delay + 60):
        return 0
    return max(1, math.ceil((slot + 1) * delay - now))


def count_failed_login(sender, credentials=None, request=None, **kwargs) -> None:
    # Every failed authenticate() with a request: both login forms, locked-out attempts too.
    if request is not None:
        record_failure(address=client_address(request))


user_login_failed.connect(count_failed_login, dispatch_uid="portal.login_throttle")


def login_paths() -> set[str]:
    # Our login page, the Wagtail admin's and Wagtail's front-end one (page privacy).
    return {reverse("login"), reverse("wagtailadmin_login"), reverse("wagtailcore_login")}


class LoginThrottleMiddleware:
    """A login POST from an address that failed too often in this window goes ahead only once
    per LOGIN_THROTTLE_DELAY seconds; the others get a 429 page (尝试过于频繁，请 N 秒后再试)
    before any password is checked. django-axes still locks one username at one address after
    5 failures; this slows someone trying many usernames, while other people behind the same
    address wait a few seconds at most."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: set[str] | None = None

    def __call__(self, request):
        if request.method == "POST":
            if self._paths is None:
                self._paths = login_paths()
            if request.path_info in self._paths:
                wait = wait_seconds(address=client_address(request))
                if wait:
                    return throttled_response(request, wait=wait)
        return self.get_response(request)


def throttled_response(request, *, wait: int):
    response = render(
        request,
        "registration/throttled.html",
        {
            "message": f"尝试过于频繁，请 {wait} 秒后再试。",
            "detail": (
                f"从本机（同一网络地址）发出的登录在 {settings.LOGIN_THROTTLE_WINDOW // 60} 分钟内"
                f"失败已达 {settings.LOGIN_THROTTLE_FAILURES} 次，此后每 "
                f"{settings.LOGIN_THROTTLE_DELAY} 秒只接受一次登录。"
            ),
            "login_url": request.path,
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response
