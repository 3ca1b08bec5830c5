"""Who may do what: the named checks every view, service, template and navigation item asks, and
the one view decorator that refuses with a Chinese message. Whose records a user may see is
answered by portal.organisation.selectors (visible_profiles, visible_units)."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from .models import StaffProfile, Unit

TEAM_RECORDS = "organisation.view_team_records"  # the 班组长 role
ALL_RECORDS = "organisation.view_all_records"  # the 人资 role
ADMIN_ACCESS = "wagtailadmin.access_admin"  # the 培训专责 role


def can_see_everyone(user) -> bool:
    """HR and administrators: every person's records, every unit."""
    return user.is_authenticated and (user.is_superuser or user.has_perm(ALL_RECORDS))


def is_supervisor(user) -> bool:
    """Holds the supervisor role (班组长, 值长) or is an administrator."""
    return user.is_superuser or user.has_perm(TEAM_RECORDS)


def is_supervisor_or_hr(user) -> bool:
    """Supervisors and HR: the people who look at other people's exams, marks and records."""
    return user.is_authenticated and (user.has_perm(TEAM_RECORDS) or user.has_perm(ALL_RECORDS))


def supervised_units(user) -> QuerySet[Unit]:
    """Units a supervisor is in charge of (each includes its whole subtree)."""
    if not user.is_authenticated or not user.has_perm(TEAM_RECORDS):
        return Unit.objects.none()
    return Unit.objects.filter(supervisors__user=user)


def has_units(user) -> bool:
    """A supervisor actually in charge of at least one unit."""
    return user.is_authenticated and supervised_units(user).exists()


def is_supervisor_of(user, unit) -> bool:
    """In charge of the unit or of a unit above it."""
    return supervised_units(user).filter(pk__in=unit.ancestor_ids).exists()


def can_mark(user) -> bool:
    """Supervisors mark their teams' papers; HR and administrators may mark everyone's."""
    return is_supervisor_or_hr(user)


def can_mark_attempt(user, attempt) -> bool:
    """May this user see and mark this paper (a supervisor in scope, HR, an administrator)?
    Never their own."""
    if not can_mark(user) or attempt.user_id == user.pk:
        return False
    if can_see_everyone(user):
        return True
    paths = supervised_units(user).values_list("path", flat=True)
    return StaffProfile.objects.in_subtrees(paths).filter(user_id=attempt.user_id).exists()


def can_monitor_exams(user) -> bool:
    """The team-exam pages (list, live progress): supervisors act there, HR looks."""
    return is_supervisor_or_hr(user)


def can_view_reports(user) -> bool:
    """The month overview, exports, held scores, the people list: HR (and administrators) every
    unit; supervisors in charge of a unit their own scope; staff none."""
    return can_see_everyone(user) or has_units(user)


def can_edit_records(user) -> bool:
    """Entering assessment components: administrators, and supervisors in charge of a unit."""
    return user.is_authenticated and (user.is_superuser or has_units(user))


def can_manage_months(user) -> bool:
    """Locking and reopening a month: HR (and administrators) only."""
    return can_see_everyone(user)


def can_use_admin(user) -> bool:
    return user.has_perm(ADMIN_ACCESS)


def requires(check: Callable[..., bool], message: str):
    """A view decorator: PermissionDenied(message) unless check(request.user). Put it below
    login_required, so an anonymous visitor is sent to the login page first."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
