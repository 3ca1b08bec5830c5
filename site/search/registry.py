"""What the site search covers: each kind of item registers how to list its documents and which models hold them."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from .engine import SearchDocument
from .versions import bump_version


@dataclass(frozen=True)
class SearchKind:
    key: str
    label: str  # the heading of its group of results
    documents: Callable[
        [], Iterable[SearchDocument]
    ]  # every item to search, read from the database
    models: tuple = ()  # saving or deleting one of these rebuilds the index
    answers: bool = False  # items are questions with answers (the answer card shows them)


SEARCH_KINDS: list[SearchKind] = []


def register_kind(kind: SearchKind) -> None:
    """Add a kind (once per key; the order of registration is the order of equal results)."""
    if any(known.key == kind.key for known in SEARCH_KINDS):
        return
    SEARCH_KINDS.append(kind)
    for model in kind.models:
        post_save.connect(
            bump_version, sender=model, dispatch_uid=f"site_search:{model.__name__}:save"
        )
        post_delete.connect(
            bump_version, sender=model, dispatch_uid=f"site_search:{model.__name__}:delete"
        )


def answering_kinds() -> set[str]:
    return {kind.key for kind in SEARCH_KINDS if kind.answers}
