"""What writes notices: `announce` records an event in the caller's transaction and queues its
delivery (delivery.py, run by the background worker); marking notices read."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Event, Kind, Notification
from .tasks import deliver_event

logger = logging.getLogger("portal.notifications")

# An event still undelivered this long after it was written was lost by a worker (it died, or
# the queue was cleared): the worker's clock delivers it again (`resume_undelivered`).
RESUME_AFTER = timedelta(minutes=2)
DELIVERY_CHUNK = 200


def subject_of(instance) -> str:
    """'app_label.Model:pk', how an event names what it is about."""
    return f"{instance._meta.label}:{instance.pk}"


def announce(
    *,
    key: str,
    kind: Kind | str,
    recipient_ids: Iterable[int],
    title: str,
    body: str = "",
    url: str = "",
    subject: str = "",
) -> Event | None:
    """Record the event `key` for these people and queue its delivery after the transaction
    commits (nothing is sent inside a request). An event already recorded is left as it is:
    announcing twice is announcing once. Returns the new event, or None."""
    ids = sorted({int(pk) for pk in recipient_ids if pk is not None})
    if not ids:
        return None
    try:
        with transaction.atomic():
            event = Event.objects.create(
                key=key[:160],
                kind=kind,
                title=title[:200],
                body=body,
                url=url[:300],
                recipient_ids=ids,
                subject=subject[:100],
            )
    except IntegrityError:
        return None  # the same event was announced before
    transaction.on_commit(lambda: deliver_event.enqueue(event.pk))
    return event


def mark_read(*, user, notification_id: int | None = None, now: datetime | None = None) -> int:
    """Mark one of the user's notices (or all of them) read; returns how many changed."""
    notices = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        notices = notices.filter(pk=notification_id)
    return notices.update(read_at=now or timezone.now())
