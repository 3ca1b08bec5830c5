"""Roles are Django groups; what a role may do is the set of permissions its group holds."""

from enum import StrEnum

from django.contrib.auth.models import Group, Permission


class Role(StrEnum):
    STAFF = "员工"
    SUPERVISOR = "班组长"
    HR = "人资"
    EDITOR = "培训专责"


# "app_label.codename" for every permission a role grants. Apps that add features extend this
# mapping (see ROLE_PERMISSIONS users in cases/ and quizzes/) so the groups stay in one place.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.STAFF: [],
    Role.SUPERVISOR: ["organisation.view_team_records"],
    Role.HR: [
        "organisation.view_all_records",
        "organisation.export_records",
        "organisation.view_staffprofile",
        "organisation.view_unit",
        # The admin's 后台任务 (read-only): a background job that failed (a monthly record not
        # refreshed, a notice not sent) is HR's to notice and follow up.
        "wagtailadmin.access_admin",
        "django_tasks_database.view_dbtaskresult",
    ],
    Role.EDITOR: ["wagtailadmin.access_admin"],
}


def grant_model_permissions(role: Role, app_label: str, models: list[str]) -> None:
    """Called from an app's ready(): the role may add, change, delete and view these models."""
    granted = ROLE_PERMISSIONS[role]
    for model in models:
        for action in ("add", "change", "delete", "view"):
            name = f"{app_label}.{action}_{model}"
            if name not in granted:
                granted.append(name)


def ensure_role_groups() -> dict[Role, Group]:
    """Create the four role groups and give each exactly the permissions listed above."""
    groups = {}
    for role, permission_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        permissions = []
        for name in permission_names:
            app_label, codename = name.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)
        groups[role] = group
    return groups


def user_roles(user) -> set[Role]:
    if not user.is_authenticated:
        return set()
    names = {group.name for group in user.groups.all()}
    return {role for role in Role if role.value in names}
