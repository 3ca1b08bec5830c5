"""Small builders for units and people, for tests that need someone the demo organisation does
not have (a new team, a supervisor without units, a person with no role)."""

from django.contrib.auth import get_user_model

from portal.organisation.models import Position, StaffProfile, Unit
from portal.organisation.roles import Role, ensure_role_groups

PASSWORD = "Test@2026pw"


def make_unit(
    code: str, *, parent: Unit | None = None, name: str = "", kind=Unit.Kind.TEAM
) -> Unit:
    """A unit under `parent` (the demo company when None)."""
    if parent is None:
        parent = Unit.objects.get(code="CG")
    return Unit.objects.create(code=code, name=name or f"测试{code}", kind=kind, parent=parent)


def make_person(
    employee_number: str,
    *,
    unit: Unit,
    roles: tuple[Role, ...] = (Role.STAFF,),
    supervises: tuple[Unit, ...] = (),
    name: str = "",
    position=Position.COUNTER_CLERK,
    active: bool = True,
):
    """A user (logging in with the 工号 and PASSWORD) with a staff profile, roles and scope."""
    user = get_user_model().objects.create_user(
        employee_number, password=PASSWORD, is_active=active, first_name=name
    )
    groups = ensure_role_groups()
    user.groups.set([groups[role] for role in roles])
    profile = StaffProfile.objects.create(
        user=user,
        employee_number=employee_number,
        name=name or f"测试{employee_number}",
        unit=unit,
        position=position,
    )
    profile.supervised_units.set(supervises)
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache
