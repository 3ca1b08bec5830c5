from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django's login form with messages that tell staff exactly what went wrong, in Chinese."""

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

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            # Django's backend treats a disabled account like a wrong password; check it first so
            # that a former employee is told the account is disabled (only with the right password).
            user = get_user_model().objects.filter(username=username, is_active=False).first()
            if user is not None and user.check_password(password):
                raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
        return super().clean()
