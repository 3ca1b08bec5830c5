"""The password policy: length, character classes and the username, with Chinese messages."""

import re

from django.core.exceptions import ValidationError

CLASSES = (
    ("大写字母", re.compile(r"[A-Z]")),
    ("小写字母", re.compile(r"[a-z]")),
    ("数字", re.compile(r"[0-9]")),
    ("符号", re.compile(r"[^A-Za-z0-9]")),
)


class EnterprisePasswordValidator:
    """At least `min_length` characters, at least `min_classes` of upper-case letters, lower-case
    letters, digits and symbols, and not containing the username (a 工号 is no secret). Common
    passwords are refused by Django's CommonPasswordValidator beside this one."""

    def __init__(self, min_length: int = 10, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    f"密码太短：至少需要 {self.min_length} 个字符（现有 {len(password)} 个）。",
                    code="password_too_short",
                )
            )
        present = [name for name, pattern in CLASSES if pattern.search(password)]
        if len(present) < self.min_classes:
            missing = "、".join(name for name, _ in CLASSES if name not in present)
            errors.append(
                ValidationError(
                    f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类"
                    f"（还缺：{missing}）。",
                    code="password_too_simple",
                )
            )
        username = str(getattr(user, "username", "") or "").strip().lower()
        if username and username in password.lower():
            errors.append(
                ValidationError("密码不能包含用户名（工号）。", code="password_contains_username")
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return (
            f"密码至少 {self.min_length} 个字符，包含大写字母、小写字母、数字、符号中的至少"
            f" {self.min_classes} 类，不能包含用户名（工号），也不能是常见密码。"
        )
