"""Answers and responses in words, for feedback, review and marking pages."""

LETTERS = "ABCDEFGH"


def option_letter(index: int) -> str:
    return LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1)


def _choices(indices, options, with_text: bool) -> str:
    if with_text:
        return "、".join(f"{option_letter(i)}. {options[i]}" for i in indices)
    return "、".join(option_letter(i) for i in indices)


def describe_answer(qtype: str, key, options=(), *, with_text: bool = False) -> str:
    """The right answer: letters (and option text), 对/错, every accepted fill, key points."""
    if qtype in ("single", "multiple"):
        return _choices(key, options, with_text)
    if qtype == "truefalse":
        return "对" if key and key[0] else "错"
    if qtype == "fill":
        return "；".join(
            f"（{number}）" + " 或 ".join(alternatives)
            for number, alternatives in enumerate(key, start=1)
        )
    return "；".join(key)


def describe_response(qtype: str, response, options=(), *, with_text: bool = False) -> str:
    if response is None or response == "" or response == []:
        return "未作答"
    if qtype == "single":
        return _choices([response], options, with_text)
    if qtype == "multiple":
        return _choices(response, options, with_text)
    if qtype == "truefalse":
        return "对" if response else "错"
    if qtype == "fill":
        return "；".join(
            f"（{n}）{given or '（未填）'}" for n, given in enumerate(response, start=1)
        )
    return response
