"""Content-Security-Policy per part of the site.

django-csp sends settings.CONTENT_SECURITY_POLICY on every response. The Wagtail admin renders
some inline scripts and styles of its own (inline panels, date pickers), so under /admin/ the
middleware sends settings.CONTENT_SECURITY_POLICY_ADMIN instead of dropping the header there.
"""

import json

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse


def admin_prefix() -> str:
    return reverse("wagtailadmin_home")


class PathCSPMiddleware(CSPMiddleware):
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
    stray %00 in any parameter that reaches a query would be a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
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
            try:
                return _has_nul(json.loads(request.body or b"null"))
            except ValueError:
                return False  # not JSON: the view says so
        try:
            return _has_nul(dict(request.POST.lists()))
        except Exception:  # noqa: BLE001 - a malformed body: the view's own parsing answers
            return False

    @staticmethod
    def _refuse(request):
        if request.content_type == "application/json":
            return JsonResponse({"saved": False, "error": NUL_MESSAGE}, status=400)
        return render(request, "400.html", {"message": NUL_MESSAGE}, status=400)
