"""Who a request's session says is signed in, without reading the person's row (the autosave).

Django's authentication reads the user's row on every request to check that the account is
active and that the session was signed in with the current password (the session keeps an HMAC of
the password hash, so changing the password ends every other session). The autosave is the one
request everyone sends every few seconds, and its single UPDATE can check both itself. So a
process remembers, per person, the password hash a full check last saw (`remember`, in the
cache); `claimed` checks the session's HMAC against it in Python, and the UPDATE requires that
the account is still active and its password hash still that one. A cache that is stale or empty
only sends the request down Django's usual path, which reads the row and decides as always.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils.crypto import constant_time_compare

REMEMBER_SECONDS = 600


@dataclass(frozen=True)
class SessionUser:
    user_id: int
    password: str  # the hash the session was checked against; the statement checks it is current


def _key(user_id: int) -> str:
    return f"session-password:{user_id}"


def remember(*, user) -> None:
    """After Django authenticated this request in full (the row read, the session checked)."""
    if user.is_authenticated and user.is_active and user.password:
        cache.set(_key(user.pk), user.password, REMEMBER_SECONDS)


def forget(*, user_id: int | None) -> None:
    if user_id is not None:
        cache.delete(_key(user_id))


def claimed(request) -> SessionUser | None:
    """The person this session was signed in as, if the session's password HMAC matches the
    password hash last seen for them; None sends the caller down Django's usual path."""
    session = request.session
    try:
        user_id = int(session[SESSION_KEY])
        backend = session[BACKEND_SESSION_KEY]
        session_hash = session[HASH_SESSION_KEY]
    except (KeyError, TypeError, ValueError):
        return None
    if backend not in settings.AUTHENTICATION_BACKENDS or not isinstance(session_hash, str):
        return None
    password = cache.get(_key(user_id))
    if not password:
        return None
    expected = get_user_model()(pk=user_id, password=password).get_session_auth_hash()
    if not constant_time_compare(session_hash, expected):
        return None
    return SessionUser(user_id=user_id, password=password)


def _forget_saved(sender, instance, **kwargs) -> None:
    forget(user_id=instance.pk)


def connect_invalidation() -> None:
    """A saved account (a new password, deactivation) is checked in full on its next save."""
    user_model = get_user_model()
    post_save.connect(_forget_saved, sender=user_model, dispatch_uid="session_user.saved")
    post_delete.connect(_forget_saved, sender=user_model, dispatch_uid="session_user.deleted")
