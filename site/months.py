"""Assessment months: a month is the date of its first day, in local time (Asia/Shanghai).
One parser for every form, page, export and command."""

import re
from datetime import date, datetime

from django.utils import timezone

MONTH_INPUT = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def parse_month(text: str | None) -> date:
    """ "2026-12" (or "2026-1") → date(2026, 12, 1); ValueError with a Chinese message otherwise."""
    match = MONTH_INPUT.match(text or "")
    if not match:
        raise ValueError(f"月份“{text}”格式不正确，应为 YYYY-MM，例如 2026-12。")
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ValueError(f"月份“{text}”不存在，应为 YYYY-MM，例如 2026-12。")
    return date(year, month, 1)


def month_of(moment: datetime | date) -> date:
    """The month of a moment, in local time, as the month's first day."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return moment.replace(day=1)


def shift_month(month: date, months: int) -> date:
    """The month `months` after `month` (before it when negative)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_ending(end: date, count: int) -> list[date]:
    """`count` months ending with `end`'s month, oldest first."""
    return [shift_month(month_of(end), -back) for back in range(count - 1, -1, -1)]
