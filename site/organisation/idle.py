"""Sessions that end after SESSION_IDLE_TIMEOUT seconds without a request from their owner."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.http import JsonResponse
from django.urls import reverse

# The clock the middleware reads (tests move it).
clock = time.time
LAST_ACTIVITY = "_last_activity"
# Activity is written at most this often, so autosaves do not rewrite the session each time.
TOUCH_EVERY = 60


def idle_message() -> str:
    minutes = settings.SESSION_IDLE_TIMEOUT // 60
    return f"由于 {minutes} 分钟内没有操作，已自动退出登录，请重新登录。"


def wants_json(request) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def start_clock(sender, request=None, user=None, **kwargs) -> None:
    # Stored with the login itself, so the first pages after it need not write the session.
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY] = int(clock())


user_logged_in.connect(start_clock, dispatch_uid="portal.idle_clock")


class IdleTimeoutMiddleware:
    """Records a signed-in person's last request in the session (at most once a minute) and logs
    them out when the gap grows beyond SESSION_IDLE_TIMEOUT. A page then goes on as for anyone
    signed out (a login-only page sends them to the login page, which shows why); a JSON request
    (an autosave after the computer slept) gets a Chinese 401, and the paper keeps the answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The session says someone signed in (without reading their row: the autosave does not
        # need it, see session_user); a session Django would refuse is ended by Django anyway.
        if SESSION_KEY in request.session:
            now = int(clock())
            last = request.session.get(LAST_ACTIVITY)
            if isinstance(last, int) and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                if wants_json(request):
                    return JsonResponse(
                        {"saved": False, "error": idle_message(), "login_url": reverse("login")},
                        status=401,
                    )
                messages.info(request, idle_message())
            elif not isinstance(last, int) or now - last >= TOUCH_EVERY:
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)
