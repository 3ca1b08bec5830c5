"""Content-Security-Policy per part of the site, and what a request body may be: no NUL, and JSON
that parses safely.

django-csp sends settings.CONTENT_SECURITY_POLICY on every response. The Wagtail admin renders
some inline scripts and styles of its own (inline panels, date pickers), so under /admin/ the
middleware sends settings.CONTENT_SECURITY_POLICY_ADMIN instead of dropping the header there.
"""

import functools
import json
import math
import re

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse


def admin_prefix() -> str:
    return reverse("wagtailadmin_home")


# What a view or decorator may set on a response to change its policy (django-csp).
_RESPONSE_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_CSP_SETTINGS = {
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
    "CONTENT_SECURITY_POLICY_ADMIN",
}


@functools.cache
def _plain_policies(admin: bool) -> tuple[str, str]:
    """The headers of a response that asks for nothing of its own (no nonce, no decorator): the
    same for every such response, so built once per process (django-csp builds them anew each
    time, about a quarter of a millisecond — an autosave's budget is two)."""
    config = None
    admin_policy = getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN", None)
    if admin and admin_policy:
        config = admin_policy["DIRECTIVES"]
    return (
        build_policy(config=config, update=None, replace=None, nonce=None),
        build_policy(config=None, update=None, replace=None, nonce=None, report_only=True),
    )


@receiver(setting_changed)
def _forget_policies(*, setting, **kwargs) -> None:
    if setting in _CSP_SETTINGS:
        _plain_policies.cache_clear()


class PathCSPMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _RESPONSE_POLICY
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # as django-csp: the debug pages
        # As django-csp does, with the policy built once (_plain_policies).
        csp, csp_ro = _plain_policies(request.path_info.startswith(admin_prefix()))
        for header, value, exempt, setting in (
            (HEADER, csp, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, csp_ro, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            if not value or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = value
        # A nonce asked for after the header is written is an error (as in django-csp).
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        admin_policy = getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN", None)
        if (
            not report_only
            and parts.config is None
            and admin_policy
            and request.path_info.startswith(admin_prefix())
        ):
            parts.config = admin_policy["DIRECTIVES"]
        return parts


NUL_MESSAGE = "请求中含有无效的空字符（NUL），已拒绝，没有保存任何内容。请检查输入后重试。"

# JSON bodies --------------------------------------------------------------------------------------

# Our JSON is three levels deep at most (an autosave: {"position": 1, "response": [[…]]}); json.loads recurses
# once per level: 100,000 levels are a RecursionError (a 500) and a CPU held for nothing.
JSON_MAX_DEPTH = 64
BAD_JSON_MESSAGE = "请求格式不正确（不是有效的 JSON），已拒绝，没有保存任何内容。请刷新页面后重试。"
DEEP_JSON_MESSAGE = f"请求格式不正确：内容嵌套超过 {JSON_MAX_DEPTH} 层，已拒绝，没有保存任何内容。请刷新页面后重试。"
BIG_JSON_MESSAGE = "请求内容过大，已拒绝，没有保存任何内容。"
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class JsonBodyRefused(ValueError):
    """A JSON request body we will not parse; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _deeper_than(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit`: one linear pass, before any
    parser recurses (an unterminated string only makes the count err towards refusing)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = 0
    for bracket in brackets:
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 would become inf
        raise ValueError(text)
    return number


def _no_constants(name: str):
    raise ValueError(name)  # NaN, Infinity, -Infinity: not JSON


def parse_json_body(request, *, max_depth: int = JSON_MAX_DEPTH):
    """The request's JSON body as Python values. JsonBodyRefused (Chinese message) when it is
    too large, not UTF-8, nested deeper than `max_depth`, holds NaN / Infinity / a number too large
    to use, or is not JSON at all. Parsed once per request (the NUL check and the view share it)."""
    cached = getattr(request, "_parsed_json_body", None)
    if cached is not None:
        return cached[0]
    try:
        text = (request.body or b"null").decode("utf-8")
    except RequestDataTooBig:
        raise JsonBodyRefused(BIG_JSON_MESSAGE) from None
    except UnicodeDecodeError:
        raise JsonBodyRefused(BAD_JSON_MESSAGE) from None
    if _deeper_than(text, max_depth):
        raise JsonBodyRefused(DEEP_JSON_MESSAGE)
    try:
        payload = json.loads(text, parse_float=_finite, parse_constant=_no_constants)
    except (ValueError, RecursionError):  # ValueError: also an int of more than 4,300 digits
        raise JsonBodyRefused(BAD_JSON_MESSAGE) from None
    request._parsed_json_body = (payload,)
    return payload


def json_refusal(message: str) -> JsonResponse:
    return JsonResponse({"saved": False, "error": message}, status=400)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


class RejectNulMiddleware:
    """Refuse (400) any request whose path, query string, form fields, cookies or JSON body hold
    a NUL character. PostgreSQL cannot store or even compare text with NUL, so without this a
    stray %00 in any parameter that reaches a query would be a server error. A JSON body that
    cannot be parsed safely (parse_json_body) is refused here too, with a Chinese JSON 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            has_nul = self._has_nul(request)
        except JsonBodyRefused as refusal:
            return json_refusal(refusal.message)
        if has_nul:
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path_info or _has_nul(dict(request.GET.lists())):
            return True
        if _has_nul(dict(request.COOKIES)):
            return True
        if request.method != "POST":
            return False
        if request.content_type == "application/json":
            return _has_nul(parse_json_body(request))  # (nested JSON_MAX_DEPTH at most)
        try:
            return _has_nul(dict(request.POST.lists()))
        except Exception:  # noqa: BLE001 - a malformed body: the view's own parsing answers
            return False

    @staticmethod
    def _refuse(request):
        if request.content_type == "application/json":
            return JsonResponse({"saved": False, "error": NUL_MESSAGE}, status=400)
        return render(request, "400.html", {"message": NUL_MESSAGE}, status=400)
