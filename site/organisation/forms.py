from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django's login form with messages that tell staff exactly what went wrong, in Chinese.

    A disabled account's password is checked by the authentication backends like any other
    (after django-axes, so wrong guesses count towards the lock-out); only with the right
    password does confirm_login_allowed say that the account is disabled."""

    username = forms.CharField(
        label="用户名或工号", max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": "用户名（工号）或密码不正确，请重新输入。注意区分大小写。",
        "inactive": "该账号已停用，无法登录。如有疑问请联系所在单位的管理员。",
    }
