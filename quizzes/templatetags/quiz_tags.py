"""Template filters for papers, reviews and marking: blanks, answers and responses in words,
points without trailing zeros."""

from django import template

from ..bank.answers import BLANK, describe_answer, describe_response, option_letter

register = template.Library()

register.filter("option_letter", option_letter)


@register.filter
def blanks(stem: str) -> range:
    return range(stem.count(BLANK))


@register.filter
def stem_with_blanks(stem: str) -> str:
    """Number the blanks so the inputs below can refer to them: ____ → （1）____."""
    parts = stem.split(BLANK)
    out = parts[0]
    for number, part in enumerate(parts[1:], start=1):
        out += f"（{number}）____" + part
    return out


@register.filter
def answer_text(item) -> str:
    """The right answer in words, for the review (item: AttemptQuestion)."""
    return describe_answer(item.type, item.answer_key, item.options, with_text=True)


@register.filter
def response_text(item) -> str:
    return describe_response(item.type, item.response, item.options, with_text=True)


@register.filter
def contains(values, value) -> bool:
    return isinstance(values, list) and value in values


@register.filter
def index_of(values, index):
    try:
        return values[index]
    except (IndexError, TypeError, KeyError):
        return ""


@register.filter
def points(value) -> str:
    """A score without trailing zeros: 1.50 → 1.5, 2.00 → 2."""
    if value is None or value == "":
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"
