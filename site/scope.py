"""The unit and month a report or grid shows, read from the query string (?unit=CODE&month=YYYY-MM)
the same way on every page: a unit outside the viewer's scope is 404, so codes cannot be probed."""

from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from portal.months import parse_month

OUT_OF_SCOPE = "单位不存在或不在您的管辖范围内。"


def requested_unit(request, *, units: Callable[[], QuerySet], default: Callable, no_unit: str):
    """The unit named by ?unit= among `units()` (404 if it is not one of them), else `default()`;
    PermissionDenied(no_unit) when there is none to show."""
    code = (request.GET.get("unit") or "").strip()
    if code:
        unit = units().filter(code=code).first()
        if unit is None:
            raise Http404(OUT_OF_SCOPE)
        return unit
    unit = default()
    if unit is None:
        raise PermissionDenied(no_unit)
    return unit


def requested_month(request, *, default: Callable[[], date], error: str = "{error}") -> date:
    """The month named by ?month=, else `default()`. A month that does not parse is reported
    as a message (`error` formats it: {error} is the parser's message, {text} what was sent)
    and the default is shown."""
    text = (request.GET.get("month") or "").strip()
    if text:
        try:
            return parse_month(text)
        except ValueError as problem:
            messages.error(request, error.format(error=problem, text=text))
    return default()
