"""How a login checks a password: disabled accounts go through the same check (and lock-out)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class LoginBackend(ModelBackend):
    """Django's ModelBackend, except that a disabled account with the right password is handed
    back to the login form, which says 已停用 (confirm_login_allowed) instead of “wrong password”.

    The password of a disabled account is therefore checked here, after django-axes' backend, so
    wrong guesses count towards the lock-out like any other. get_user still refuses disabled
    accounts (ModelBackend.user_can_authenticate), so a disabled person's session is dead, and
    Django's and Wagtail's login forms never log such an account in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            user_model().set_password(password)  # as slow as a real check: no timing difference
            return None
        return user if user.check_password(password) else None
