"""Read-side questions about people and units. Every view, report and export asks these."""

from django.db.models import Q, QuerySet

from .models import StaffProfile, Unit


def can_see_everyone(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.has_perm("organisation.view_all_records")
    )


def supervised_units(user) -> QuerySet[Unit]:
    """Units a supervisor is in charge of (each includes its whole subtree)."""
    if not user.is_authenticated or not user.has_perm("organisation.view_team_records"):
        return Unit.objects.none()
    return Unit.objects.filter(supervisors__user=user)


def visible_units(user) -> QuerySet[Unit]:
    if can_see_everyone(user):
        return Unit.objects.all()
    prefixes = list(supervised_units(user).values_list("path", flat=True))
    if not prefixes:
        return Unit.objects.none()
    condition = Q()
    for prefix in prefixes:
        condition |= Q(path__startswith=prefix)
    return Unit.objects.filter(condition)


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
    for prefix in supervised_units(user).values_list("path", flat=True):
        condition |= Q(unit__path__startswith=prefix)
    return StaffProfile.objects.filter(condition)


def can_see_profile(user, profile: StaffProfile) -> bool:
    return visible_profiles(user).filter(pk=profile.pk).exists()
