from django import template

from ..grading import BLANK

register = template.Library()

LETTERS = "ABCDEFGH"


@register.filter
def option_letter(index: int) -> str:
    return LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1)


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
    key = item.answer_key
    if item.type in ("single", "multiple"):
        return "、".join(f"{option_letter(i)}. {item.options[i]}" for i in key)
    if item.type == "truefalse":
        return "对" if key and key[0] else "错"
    if item.type == "fill":
        return "；".join(f"（{n}）" + " / ".join(alts) for n, alts in enumerate(key, start=1))
    return "；".join(key)


@register.filter
def response_text(item) -> str:
    response = item.response
    if response is None or response == "" or response == []:
        return "未作答"
    if item.type == "single":
        return f"{option_letter(response)}. {item.options[response]}"
    if item.type == "multiple":
        return "、".join(f"{option_letter(i)}. {item.options[i]}" for i in response)
    if item.type == "truefalse":
        return "对" if response else "错"
    if item.type == "fill":
        return "；".join(f"（{n}）{text or '（空）'}" for n, text in enumerate(response, start=1))
    return response


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
