"""Load the seed thesaurus (fixtures/knowledge/thesaurus.yaml) idempotently: a group whose first
term is already a term of some group is left as it is, so editors' changes survive."""

from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from .models import ThesaurusGroup, bump_version, term_owners
from .text import normalise

THESAURUS_FILE = Path(settings.FIXTURES_DIR) / "knowledge" / "thesaurus.yaml"


@transaction.atomic
def load_thesaurus(path: Path = THESAURUS_FILE) -> int:
    """Create the groups that are missing; returns how many were created."""
    if not path.exists():
        return 0
    rows = yaml.safe_load(path.read_text(encoding="utf-8")).get("groups") or []
    owners = term_owners()
    new = []
    for row in rows:
        terms = [str(term).strip() for term in row.get("terms") or [] if str(term).strip()]
        comparable = [normalise(term) for term in terms]
        if len(set(filter(None, comparable))) < 2 or any(c in owners for c in comparable):
            continue
        for value in comparable:
            owners[value] = terms[0]
        new.append(ThesaurusGroup(terms=terms, use=row.get("use") or "both"))
    ThesaurusGroup.objects.bulk_create(new)
    if new:
        bump_version()
    return len(new)
