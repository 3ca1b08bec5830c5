"""Each test of item analysis starts with an empty cache of its own (the team figures are cached
under a stamp of their evidence, and a rolled-back test may leave the same stamp to the next):
a local memory cache, so that no shared Redis is ever flushed by a test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "item-analysis-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()
