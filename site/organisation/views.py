from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .forms import LoginForm
from .permissions import can_view_reports, requires
from .selectors import people_listing, profile_of, visible_profiles


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"连续 {settings.AXES_FAILURE_LIMIT} 次密码错误，该账号在本机的登录已被锁定 {minutes} 分钟。"
        f"请 {minutes} 分钟后再试；在此期间即使输入正确的密码也无法登录。"
    )


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes calls this instead of its English page, for our login and the admin's."""
    admin_home = reverse("wagtailadmin_home")
    login_url = (
        reverse("wagtailadmin_login")
        if request.path_info.startswith(admin_home)
        else reverse("login")
    )
    return render(
        request,
        "registration/locked_out.html",
        {"message": lockout_message(), "login_url": login_url},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


@login_required
@require_POST
def keepalive(request):
    """The exam paper calls this every few minutes, so that reading a long paper is not taken
    for idleness (portal.organisation.idle records the request). CSRF-checked like any POST."""
    return JsonResponse({"alive": True, "idle_timeout": settings.SESSION_IDLE_TIMEOUT})


@login_required
def my_profile(request):
    return render(request, "organisation/my_profile.html", {"profile": profile_of(request.user)})


@login_required
@requires(can_view_reports, "只有班组长、值长和人资人员可以查看人员名单。")
def people_list(request):
    selected_code = request.GET.get("unit", "")
    listing = people_listing(user=request.user, unit_code=selected_code)
    return render(
        request,
        "organisation/people_list.html",
        {
            "units": listing.units,
            "profiles": listing.profiles,
            "selected_code": selected_code,
            "selected_unit": listing.selected_unit,
        },
    )


@login_required
def person_detail(request, employee_number: str):
    # Not visible and not existing look the same (404), so ids cannot be probed.
    profile = get_object_or_404(
        visible_profiles(request.user).select_related("unit", "user"),
        employee_number=employee_number,
    )
    return render(request, "organisation/person_detail.html", {"profile": profile})
