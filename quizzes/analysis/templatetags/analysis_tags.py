"""Figures as editors and supervisors read them: percentages, two decimals, 易/中/难, a dash for
"not enough answers"."""

from django import template

from ...bank.answers import describe_response
from ...bank.choices import Difficulty

register = template.Library()
DIFFICULTY_LABELS = dict(Difficulty.choices)


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{float(value):.0%}"


@register.filter
def number(value) -> str:
    return "—" if value is None else f"{float(value):.2f}"


@register.filter
def difficulty(value) -> str:
    return DIFFICULTY_LABELS.get(value, "—")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def response_text(item) -> str:
    return describe_response(item.type, item.response, item.options, with_text=True)
