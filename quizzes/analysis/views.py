"""Pages of item analysis outside the admin: what a team has not learned (supervisors their
scope, HR every unit; a unit outside the scope is 404) with its XLSX, and 智能练习 (the set with
the reason for each question, handed to the practice flow as a practice session)."""

import io
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.months import month_of
from portal.organisation.models import Unit
from portal.organisation.permissions import (
    can_see_everyone,
    can_view_reports,
    requires,
    supervised_units,
)
from portal.organisation.selectors import visible_units
from portal.scope import requested_month, requested_unit

from ..papers import disclosure
from ..practice import sessions
from ..practice.selectors import RANDOM_SCOPE
from . import charts, mastery, smart
from .export import write_mastery_xlsx

NO_ACCESS = "只有班组长、值长和人资可以查看班组学习分析。"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

reports_only = requires(can_view_reports, NO_ACCESS)


def _default_unit(user) -> Unit | None:
    if can_see_everyone(user):
        return Unit.objects.filter(parent=None).order_by("sort_order", "path").first()
    return supervised_units(user).order_by("path").first()


def _threshold(request) -> float:
    try:
        value = int(request.GET.get("threshold", ""))
    except ValueError:
        return mastery.DEFAULT_THRESHOLD
    return min(max(value, 10), 100) / 100


def _months_count(request) -> int:
    try:
        return min(max(int(request.GET.get("months", "")), 1), 12)
    except ValueError:
        return mastery.DEFAULT_MONTHS


def _mastery(request, *, cached: bool = True) -> mastery.Mastery:
    """The figures of the requested unit and period: the page reads them through the cache; the
    export computes them afresh (a renamed person is never exported under the old name)."""
    user = request.user
    unit = requested_unit(
        request,
        units=lambda: visible_units(user),
        default=lambda: _default_unit(user),
        no_unit=NO_ACCESS,
    )
    end = requested_month(request, default=lambda: month_of(timezone.now()))
    months = mastery.period(end=end, months=_months_count(request))
    read = mastery.cached_team_mastery if cached else mastery.team_mastery
    return read(unit=unit, months=months, threshold=_threshold(request))


@login_required
@reports_only
def team_analytics(request):
    result = _mastery(request)
    return render(
        request,
        "analysis/team.html",
        {
            "m": result,
            "units": visible_units(request.user).order_by("path")[:300],
            "heat": charts.heat_map(result),
            "bars": charts.weakest_bars(result.knowledge_points),
            "months_count": len(result.months),
            "threshold_percent": round(result.threshold * 100),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@reports_only
def team_analytics_xlsx(request):
    result = _mastery(request, cached=False)
    buffer = io.BytesIO()
    write_mastery_xlsx(result, buffer)
    name = f"学习分析_{result.unit.name}_{result.months[-1]:%Y-%m}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def smart_practice(request):
    now = timezone.now()
    problem = disclosure.practice_problem(user=request.user, now=now)
    if problem:
        return render(request, "quizzes/practice/problem.html", {"message": problem}, status=403)
    chosen = smart.smart_set(user=request.user, now=now)
    if request.method == "POST" and chosen.items:
        session = sessions.start(
            request=request,
            kind=sessions.Kind.QUESTION,
            scope=RANDOM_SCOPE.param,
            label="智能练习",
            length=len(chosen.items),
            questions=chosen.question_ids,
            reasons={item.question.pk: item.reason for item in chosen.items},
            now=now,
        )
        return redirect(f"{reverse('quizzes:practice_question')}?session={session.id}")
    return render(request, "analysis/smart.html", {"chosen": chosen})


app_name = "analysis"
urlpatterns = [
    path("team/analytics/", team_analytics, name="team"),
    path("team/analytics/export.xlsx", team_analytics_xlsx, name="team_xlsx"),
    path("practice/smart/", smart_practice, name="smart_practice"),
]
