"""站内通知 URLs (namespace notifications:)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:notification_id>/open/", views.notice_open, name="open"),
    path("read-all/", views.notice_read_all, name="read_all"),
    path("unread.json", views.unread, name="unread"),
]
