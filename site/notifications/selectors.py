"""Reading notices: a person's unread count (the bell) and their list."""

from django.db.models import QuerySet

from .models import Notification


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notices_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notice_of(*, user, notification_id: int) -> Notification | None:
    return Notification.objects.filter(recipient=user, pk=notification_id).first()
