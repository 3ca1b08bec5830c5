"""Reads of the thesaurus: the groups as a matcher for grading or search, cached per process and
rebuilt when an editor changes a group (a version number in the shared cache says when)."""

from django.core.cache import cache

from .models import VERSION_KEY, ThesaurusGroup
from .text import Thesaurus

_built: dict[str, tuple[object, Thesaurus]] = {}


def version() -> object:
    """Changes whenever a group is saved or deleted (models bump it); the same on every server."""
    value = cache.get(VERSION_KEY)
    if value is None:
        value = _database_version()
        cache.set(VERSION_KEY, value, timeout=None)
    return value


def _database_version() -> str:
    rows = ThesaurusGroup.objects.order_by("-updated_at").values_list("updated_at", flat=True)
    latest = rows.first()
    return f"{ThesaurusGroup.objects.count()}:{latest.isoformat() if latest else '-'}"


def current_thesaurus(*, use: str = ThesaurusGroup.Use.BOTH) -> Thesaurus:
    """The groups a use may apply: grading uses the `both` groups, search every group."""
    stamp = version()
    built = _built.get(use)
    if built is None or built[0] != stamp:
        groups = ThesaurusGroup.objects.all()
        if use == ThesaurusGroup.Use.BOTH:
            groups = groups.filter(use=ThesaurusGroup.Use.BOTH)
        built = (stamp, Thesaurus(groups.values_list("terms", flat=True)))
        _built[use] = built
    return built[1]
