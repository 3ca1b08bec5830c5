"""Read-side questions about people and units: whose records a user may see. Every view, report
and export asks these; who holds which role is portal.organisation.permissions."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import StaffProfile, Unit, subtree_condition
from .permissions import can_see_everyone, supervised_units


def visible_units(user) -> QuerySet[Unit]:
    if can_see_everyone(user):
        return Unit.objects.all()
    return Unit.objects.in_subtrees(supervised_units(user).values_list("path", flat=True))


def visible_profiles(user) -> QuerySet[StaffProfile]:
    """Whose records may this user see?

    HR and administrators: everyone. A supervisor: themselves and everyone in the units they
    supervise and all units below them. Anyone else with a profile: only themselves.
    Anonymous users: no one.
    """
    if not user.is_authenticated:
        return StaffProfile.objects.none()
    if can_see_everyone(user):
        return StaffProfile.objects.all()
    condition = Q(user=user)
    subtrees = subtree_condition(
        "unit__path", supervised_units(user).values_list("path", flat=True)
    )
    if subtrees is not None:
        condition |= subtrees
    return StaffProfile.objects.filter(condition)


def can_see_profile(user, profile: StaffProfile) -> bool:
    return visible_profiles(user).filter(pk=profile.pk).exists()


def profile_of(user) -> StaffProfile | None:
    """The user's own staff profile (with its unit), if they have one."""
    return StaffProfile.objects.select_related("unit").filter(user=user).first()


def unit_by_code(code: str) -> Unit | None:
    return Unit.objects.filter(code=code).first() if code else None


@dataclass
class PeopleListing:
    units: QuerySet[Unit]  # the units the user may see, with member_count
    profiles: QuerySet[StaffProfile]
    selected_unit: Unit | None


def people_listing(*, user, unit_code: str = "") -> PeopleListing:
    """The people list: the units the user may see, and the people in the chosen one (and below
    it) or, with no unit chosen, everyone the user may see; a unit outside the scope shows no one."""
    units = visible_units(user).annotate(member_count=Count("members"))
    profiles = visible_profiles(user).select_related("unit", "user")
    selected = None
    if unit_code:
        selected = units.filter(code=unit_code).first()
        profiles = profiles.none() if selected is None else profiles.in_unit(selected)
    return PeopleListing(units, profiles.order_by("unit__path", "employee_number"), selected)


def hr_user_ids() -> list[int]:
    """Active users who hold the HR role's permission (everyone's records); notices to 人资."""
    from django.contrib.auth import get_user_model

    from .permissions import ALL_RECORDS

    app_label, codename = ALL_RECORDS.split(".")
    permission = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    users = get_user_model().objects.filter(permission, is_active=True, is_superuser=False)
    return sorted(set(users.values_list("pk", flat=True)))


def supervisor_user_ids(unit: Unit) -> list[int]:
    """Active supervisors in charge of the unit or of a unit above it."""
    return sorted(
        set(
            StaffProfile.objects.filter(
                supervised_units__in=unit.ancestor_ids, user__is_active=True
            ).values_list("user_id", flat=True)
        )
    )
