from .roles import Role, user_roles


def roles(request):
    """Expose the user's roles to templates as booleans, for navigation only (views check perms)."""
    user_role_set = user_roles(request.user) if hasattr(request, "user") else set()
    return {
        "is_staff_member": Role.STAFF in user_role_set,
        "is_supervisor": Role.SUPERVISOR in user_role_set,
        "is_hr": Role.HR in user_role_set,
        "is_editor": Role.EDITOR in user_role_set,
    }
