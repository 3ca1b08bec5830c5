"""Load the demo organisation from fixtures/demo/organisation.yaml; safe to run repeatedly."""

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import StaffProfile, Unit
from .roles import Role, ensure_role_groups

DEMO_FILE = Path(settings.FIXTURES_DIR) / "demo" / "organisation.yaml"

ROLE_GROUPS = {
    "staff": [Role.STAFF],
    "supervisor": [Role.STAFF, Role.SUPERVISOR],
    "hr": [Role.HR],
    "editor": [Role.EDITOR],
    "admin": [],
}


@dataclass
class DemoLoadResult:
    units_created: int = 0
    people_created: int = 0


def read_demo_file(path: Path = DEMO_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@transaction.atomic
def load_demo_organisation(*, path: Path = DEMO_FILE) -> DemoLoadResult:
    data = read_demo_file(path)
    groups = ensure_role_groups()
    result = DemoLoadResult()

    units_by_code: dict[str, Unit] = {}
    for order, row in enumerate(data["units"]):
        unit, created = Unit.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "parent": units_by_code.get(row["parent"]),
                "sort_order": order,
            },
        )
        result.units_created += created
        units_by_code[unit.code] = unit

    user_model = get_user_model()
    for row in data["people"]:
        username = row.get("username", row["employee_number"])
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": row["name"],
                "is_active": row.get("active", True),
                "is_superuser": row["role"] == "admin",
                "is_staff": row["role"] == "admin",
            },
        )
        if created:
            # Only on creation: a demo user who changed their password keeps it.
            user.set_password(data["password"])
            user.save(update_fields=["password"])
            user.groups.set([groups[role] for role in ROLE_GROUPS[row["role"]]])
            result.people_created += 1
        profile, _ = StaffProfile.objects.get_or_create(
            user=user,
            defaults={
                "employee_number": row["employee_number"],
                "name": row["name"],
                "unit": units_by_code[row["unit"]],
                "position": row["position"],
                "hire_date": row.get("hire_date"),
            },
        )
        if created:
            profile.supervised_units.set(
                [units_by_code[code] for code in row.get("supervises", [])]
            )
    return result
