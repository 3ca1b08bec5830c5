"""Aiken question files (https://docs.moodle.org/en/Aiken_format): single-choice questions only.

    题干（可以有多行）
    A. 选项一          (or "A)"; full-width "A．" "A）" "A、" are accepted too)
    B. 选项二
    ANSWER: B

Aiken text is plain: markup such as `<html class="cool"> &` stays literal text. Aiken has no
case-analysis materials (a scenario with several sub-questions); we write no Aiken files.
"""

import re

from ..bank.choices import QuestionType
from . import moodle_common as common
from .base import ParsedQuestion, ParseResult
from .text import clean_text, decode_text

FORMAT = "aiken"
_OPTION = re.compile(r"^([A-Z])\s*[.)．）、]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


class _Draft:
    def __init__(self, line: int) -> None:
        self.line = line
        self.stem_lines: list[str] = []
        self.options: list[str] = []

    def next_letter(self) -> str:
        return common.option_label(len(self.options))


def parse(data: bytes) -> ParseResult:
    """Read an Aiken file; only FileRejected escapes (size, encoding)."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    result = ParseResult(FORMAT)
    draft: _Draft | None = None
    broken = False  # after an error, skip to the next ANSWER line
    for number, raw in enumerate(text.split("\n"), 1):
        line = clean_text(raw)
        if not line:
            continue
        answer = _ANSWER.match(line)
        if answer:
            if draft is not None and not broken:
                _finish(result, draft, answer.group(1).strip(), number)
            elif draft is None:
                result.error("ANSWER: 行之前没有题干和选项。", number)
            draft, broken = None, False
            continue
        if broken:
            continue
        if draft is None:
            draft = _Draft(number)
        option = _OPTION.match(line)
        if option and draft.stem_lines and option.group(1) == draft.next_letter():
            draft.options.append(option.group(2).strip())
        elif not draft.options:
            draft.stem_lines.append(line)
        else:
            result.error(
                f"这一行既不是选项 {draft.next_letter()}.（或 {draft.next_letter()})）"
                "也不是“ANSWER: 字母”行：Aiken 格式的题干必须写在选项之前，"
                "每道题以 ANSWER 行结束。",
                number,
            )
            broken = True
    if draft is not None and not broken:
        result.error("最后一道题缺少“ANSWER: 字母”行。", draft.line)
    if not result.questions and not result.issues:
        result.error("文件中没有题目。", 1)
    return result


def _finish(result: ParseResult, draft: _Draft, letter: str, line: int) -> None:
    letter = letter.upper()
    letters = [common.option_label(i) for i in range(len(draft.options))]
    if len(draft.options) < 2:
        result.error("选择题至少需要两个选项（A. … B. …）。", draft.line)
        return
    if letter not in letters:
        result.error(
            f"答案“{letter[:10]}”不是选项字母 {letters[0]}–{letters[-1]} 之一"
            "（Aiken 格式只有单选题，答案是一个字母）。",
            line,
        )
        return
    question = ParsedQuestion(
        type=QuestionType.SINGLE,
        stem="\n".join(draft.stem_lines),
        options=draft.options,
        answer=[letters.index(letter)],
        line=draft.line,
    )
    common.accept(result, question)
