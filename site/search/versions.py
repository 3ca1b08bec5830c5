"""The version of the site search's index in the shared cache: a change to a searched item gives a new one, and every process rebuilds its index on its next search."""

import uuid

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "site_search:version"


def version() -> str:
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        value = cache.get(VERSION_KEY) or "-"
    return value


def bump_version(**_signal_kwargs) -> None:
    """A new version now (so this process sees its own change) and again once the transaction
    commits (so no process keeps an index built between the two)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))
