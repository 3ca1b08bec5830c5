"""Read-side questions about people and units: whose records a user may see. Every view, report
and export asks these; who holds which role is portal.organisation.permissions."""

from django.db.models import Q, QuerySet

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
