"""Delivering an event (run by the background worker): each recipient gets one notice and at most
one e-mail; safe to run again after a worker died half-way."""

import logging
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone

from .models import Event, Notification

logger = logging.getLogger("portal.notifications")
DELIVERY_CHUNK = 200


def _subject_exists(subject: str) -> bool:
    if not subject:
        return True
    label, _, pk = subject.partition(":")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return False
    return model.objects.filter(pk=pk).exists()


def deliver(*, event_id: int, now: datetime | None = None) -> int:
    """Give every recipient of the event their notice (and e-mail, if e-mail is on). Safe to run
    again after a worker died half-way: a person who has the notice is not given another, and an
    e-mail is claimed before it is sent, so none goes twice. Returns the notices created now."""
    now = now or timezone.now()
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        logger.warning("通知事件 %s 已不存在，跳过。", event_id)
        return 0
    if event.delivered_at is not None:
        return 0
    if not _subject_exists(event.subject):
        Event.objects.filter(pk=event.pk).update(
            delivered_at=now, skipped=f"{event.subject} 已删除"
        )
        logger.warning("通知事件 %s 所涉对象 %s 已删除，跳过。", event.key, event.subject)
        return 0
    users = get_user_model().objects.filter(pk__in=event.recipient_ids, is_active=True)
    present = set(users.values_list("pk", flat=True))
    missing = sorted(set(event.recipient_ids) - present)
    if missing:
        logger.warning("通知事件 %s：接收人 %s 已删除或停用，跳过。", event.key, missing)
    created = 0
    ids = sorted(present)
    for start in range(0, len(ids), DELIVERY_CHUNK):
        chunk = ids[start : start + DELIVERY_CHUNK]
        have = set(
            Notification.objects.filter(event=event, recipient_id__in=chunk).values_list(
                "recipient_id", flat=True
            )
        )
        fresh = [
            Notification(
                recipient_id=pk,
                event=event,
                kind=event.kind,
                title=event.title,
                body=event.body,
                url=event.url,
            )
            for pk in chunk
            if pk not in have
        ]
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
        created += len(fresh)
    if getattr(settings, "NOTIFICATIONS_EMAIL", False):
        send_emails(event=event, now=now)
    Event.objects.filter(pk=event.pk).update(delivered_at=now)
    return created


def send_emails(*, event: Event, now: datetime) -> int:
    """E-mail each notice of the event whose recipient has an address, at most once each: the
    notice is claimed (emailed_at set) before the mail goes out."""
    sent = 0
    pending = (
        Notification.objects.filter(event=event, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    for notice in pending:
        claimed = Notification.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(
            emailed_at=now
        )
        if not claimed:
            continue
        body = notice.body
        if notice.url:
            body += f"\n\n{settings.SITE_URL.rstrip('/')}{notice.url}"
        send_mail(
            subject=f"【供电服务培训考试平台】{notice.title}",
            message=body,
            from_email=None,
            recipient_list=[notice.recipient.email],
            fail_silently=True,
        )
        sent += 1
    return sent
