"""站内通知 pages: the list (newest first), opening one (marks it read, then follows its link),
marking all read, and the bell's unread count as JSON. Everyone sees only their own notices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors, services

PAGE_SIZE = 30


@login_required
def notice_list(request):
    page = Paginator(selectors.notices_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_notices": selectors.unread_count(user=request.user)},
    )


@login_required
def unread(request):
    """The bell's count (bell.js), one query; pages themselves never count."""
    return JsonResponse({"unread": selectors.unread_count(user=request.user)})


@login_required
@require_POST
def notice_open(request, notification_id: int):
    notice = selectors.notice_of(user=request.user, notification_id=notification_id)
    if notice is None:
        raise Http404("没有这条通知。")
    services.mark_read(user=request.user, notification_id=notice.pk)
    if notice.url and url_has_allowed_host_and_scheme(
        notice.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notice.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notice_read_all(request):
    count = services.mark_read(user=request.user)
    messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
    return redirect("notifications:list")
