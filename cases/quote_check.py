"""Quotes checked when an editor saves: the same test `verify_sources` applies (cases.sourcing:
the quote, whitespace aside, occurs in the source document's text), and, when it fails, the passage
of the source that comes nearest, so the editor can copy it."""

from .sourcing import WHITESPACE, read_source, squash

CONTEXT = 10  # characters shown either side of the nearest passage


def source_text(source) -> str:
    """The document's text as verify_sources reads it (the shipped file), else as stored."""
    try:
        return read_source(source.file_name)
    except OSError:
        return source.text or ""


def _positions(text: str) -> list[int]:
    """For each character of squash(text), its index in `text`."""
    return [i for i, char in enumerate(text) if not WHITESPACE.match(char)]


def nearest_passage(quote: str, text: str) -> str:
    """The passage of `text` sharing the most two-character runs with `quote` (one pass)."""
    needle, haystack = squash(quote), squash(text)
    if not needle or not haystack:
        return ""
    pairs = {needle[i : i + 2] for i in range(max(1, len(needle) - 1))}
    hits = [1 if haystack[i : i + 2] in pairs else 0 for i in range(len(haystack))]
    width = min(len(needle), len(haystack))
    best = current = sum(hits[:width])
    start = 0
    for i in range(1, len(haystack) - width + 1):
        current += hits[i + width - 1] - hits[i - 1]
        if current > best:
            best, start = current, i
    if best == 0:
        return ""
    positions = _positions(text)
    begin = positions[max(0, start - CONTEXT)]
    end = positions[min(len(positions) - 1, start + width - 1 + CONTEXT)] + 1
    passage = " ".join(text[begin:end].split())
    return passage


def quote_problem(*, quote: str, source) -> str:
    """ "" when `quote` occurs in `source`; else a Chinese message with the nearest passage."""
    quote = (quote or "").strip()
    if not quote:
        return ""
    if source is None:
        return "填写了原文摘录，请同时选择它的来源文件。"
    text = source_text(source)
    if squash(quote) in squash(text):
        return ""
    message = f"这段摘录在“{source.title}”中找不到：请逐字复制原文（空白可不同）。"
    nearest = nearest_passage(quote, text)
    if nearest:
        message += f"最接近的原文：“{nearest}”"
    else:
        message += "来源文件中没有相近的文字，请确认选对了来源文件（或先添加新的来源文件）。"
    return message
