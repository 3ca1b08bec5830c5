from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal import health, media
from portal.organisation.views import LoginView, keepalive
from portal.search import views as search_views

account_urls = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("keepalive/", keepalive, name="keepalive"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html", success_url="done/"
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
]

urlpatterns = [
    # The load balancer's health check: database and cache reachable (no login, no session).
    path("healthz/", health.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Uploaded files need a login in every mode (Wagtail documents also check their collection).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.serve_media, name="media"),
    path("accounts/", include(account_urls)),
    path("", include("portal.organisation.urls")),
    path("knowledge/", include("cases.urls")),
    path("", include("quizzes.urls")),
    path("", include("quizzes.analysis.urls")),
    path("", include("assessment.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("search/", search_views.search, name="search"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# Wagtail's page serving comes last: it matches every remaining URL.
urlpatterns += [path("", include(wagtail_urls))]
