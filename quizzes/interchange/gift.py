"""GIFT question files (https://docs.moodle.org/en/GIFT_format): reader and writer.

The reader follows Moodle's own GIFT importer: questions are separated by blank lines, lines
starting with // are comments, `$CATEGORY:` switches the category, `::title::` names a question,
`[html]`/`[moodle]`/`[plain]`/`[markdown]` set a text's format, `\\~ \\= \\# \\{ \\} \\: \\\\ \\n` are
escapes, the answer block `{…}` decides the type (empty: essay; `#…`: numerical; `~`: multiple
choice; `=…->…`: matching; T/F: true/false; else short answer), `#` starts an answer's feedback,
`####` the general feedback and `%50%` an answer's weight.

The writer writes what this reader and Moodle read back the same. GIFT has no multi-blank short
answer, so a fill-in-the-blank question with several blanks cannot be written: it becomes a `//`
comment in the file and is listed in `skipped` (use Moodle XML for those). GIFT has no way to hold
a case-analysis material with its sub-questions either: each sub-question is named the same way,
never dropped silently (use Moodle XML or XLSX).
"""

import html
import re
from collections.abc import Iterable
from decimal import Decimal

from ..bank.answers import BLANK
from ..bank.choices import QuestionType
from . import moodle_common as common
from .base import ParsedQuestion, ParseResult
from .convert import as_parsed
from .text import (
    BLANK_SLOT,
    GIFT_FORMATS,
    MOODLE,
    category_path,
    clean_text,
    count_images,
    decode_text,
    join_key_points,
    moodle_category_path,
    survives_moodle_format,
    to_plain,
)

FORMAT = "gift"
# Escaped characters stand in as private-use characters while the question is taken apart.
_ESCAPES = {"\\": "\ue000", ":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004"}
_ESCAPES |= {"}": "\ue005", "~": "\ue006", "n": "\ue007"}
_RESTORE = {placeholder: char for char, placeholder in _ESCAPES.items()} | {"\ue007": "\n"}
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_PRIVATE = re.compile(r"[\ue000-\ue01f]")
_WEIGHT = re.compile(r"^%(-?\d{1,3}(?:\.\d+)?)%")
_FORMAT_MARKER = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}


# Reading ------------------------------------------------------------------------------------


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(char, char) for char in text)


def _with_format(text: str, default_format: str) -> str:
    """A GIFT text (escapes still as placeholders) as our plain text, honouring a [format]."""
    marker = _FORMAT_MARKER.match(text)
    text_format = default_format
    if marker:
        text_format, text = GIFT_FORMATS[marker.group(1)], text[marker.end() :]
    return to_plain(_restore(text), text_format)


def _blocks(text: str):
    """(first line number, text) of each question: lines between blank lines, comments left out."""
    lines: list[str] = []
    start = None
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if lines:
                yield start, lines
            lines, start = [], None
            continue
        if start is None:
            start = number
        lines.append(line)
    if lines:
        yield start, lines


def parse(data: bytes) -> ParseResult:
    """Read a GIFT file; only FileRejected escapes (size, encoding)."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    text = _PRIVATE.sub("", text)
    result = ParseResult(FORMAT)
    category = ""
    for line, lines in _blocks(text):
        while lines and lines[0].strip().startswith("$CATEGORY:"):
            category = category_path(lines[0].strip()[len("$CATEGORY:") :])
            common.add_category(result, category)
            lines, line = lines[1:], line + 1
        if lines:
            question = _question(result, "\n".join(lines), line, category)
            common.accept(result, question)
    if not result.questions and not result.issues and not result.categories:
        result.error("文件中没有题目。", 1)
    return result


def _title(result: ParseResult, text: str, line: int) -> tuple[str, str]:
    """The question's ::name:: (if any) and the text after it."""
    if not text.startswith("::"):
        return "", text
    end = text.find("::", 2)
    if end == -1:
        result.warn("题目名称缺少结束的 ::，已把整段文字当作题干。", line)
        return "", text[2:].strip()
    return clean_text(_restore(text[2:end])), text[end + 2 :].strip()


def _question(result: ParseResult, text: str, line: int, category: str) -> ParsedQuestion | None:
    text = _ESCAPE.sub(lambda match: _ESCAPES[match.group(1)], text).strip()
    title, text = _title(result, text, line)
    start, end = text.find("{"), text.find("}")
    if start == -1 and end == -1:
        # Moodle calls a text without an answer block a "description" (not a question).
        result.skip_unsupported("description", line, title)
        return None
    if start == -1 or end < start:
        result.error("花括号不配对：答案应写在 { … } 中；文字中的花括号要写成 \\{ 和 \\}。", line)
        return None
    if "{" in text[end + 1 :] or "}" in text[end + 1 :]:
        result.error("一道题只能有一个答案块 { … }；文字中的花括号要写成 \\{ 和 \\}。", line)
        return None
    before, block, after = text[:start], text[start + 1 : end].strip(), text[end + 1 :]
    marker = _FORMAT_MARKER.match(before)
    stem_format = GIFT_FORMATS[marker.group(1)] if marker else MOODLE
    general_feedback = ""
    if "####" in block:
        block, general_feedback = (
            block[: block.rfind("####")].strip(),
            block[block.rfind("####") + 4 :],
        )
    kind = _kind(block)
    if kind in ("numerical", "matching"):
        result.skip_unsupported(kind, line, title)
        return None
    if after.strip() and kind != "essay":
        # Moodle's missing-word form: anything after the block, even a full stop, means the
        # block stands where the blank is ("…from {=A ~B}." is "…from ____.").
        stem_text = before + BLANK_SLOT + after
    else:
        stem_text = before.rstrip() + " " + after.strip() if after.strip() else before.rstrip()
    if count_images(_restore(stem_text)):
        result.warn("题干中的图片未导入（本平台题目只保存文字）。", line)
    stem = _with_format(stem_text, MOODLE)
    base = ParsedQuestion(
        type="",
        stem=stem if kind == "shortanswer" else stem.replace(BLANK_SLOT, BLANK),
        explanation=_with_format(general_feedback, stem_format),
        category_path=category,
        title=title,
        line=line,
    )
    return _from_block(result, base, block, kind, stem_format)


def _from_block(result: ParseResult, base: ParsedQuestion, block: str, kind: str, stem_format: str):
    """The question of each kind from its answer block (None after an error)."""
    line = base.line
    if kind == "essay":
        return common.short_question(result, base)
    if kind == "truefalse":
        value, *feedback = block.split("#")
        _note_feedback(result, line, feedback)
        base.type, base.answer = QuestionType.TRUE_FALSE, [value.strip().upper() in _TRUE]
        return base
    items = _items(block, kind)
    answers = []
    feedback = []
    for item in items:
        fraction, item = _weight(item, kind)
        answer_text, _, answer_feedback = item.partition("#")
        feedback.append(answer_feedback)
        text = _with_format(answer_text.strip(), stem_format)
        if not common.check_grade(result, fraction, line, text):
            return None
        answers.append((text, fraction))
    _note_feedback(result, line, feedback)
    if kind == "shortanswer":
        return common.fill_question(result, base, base.stem, answers)
    if len(answers) < 2:
        result.error("选择题至少需要两个选项。", line)
        return None
    single = "=" in block
    options = [answer for answer, _ in answers]
    return common.choice_question(result, base, options, [f for _, f in answers], single)


def _kind(block: str) -> str:
    if not block:
        return "essay"
    if block.startswith("#"):
        return "numerical"
    if "~" in block:
        return "multichoice"
    if "=" in block and "->" in block:
        return "matching"
    if block.split("#", 1)[0].strip().upper() in _TRUE | _FALSE:
        return "truefalse"
    return "shortanswer"


def _items(block: str, kind: str) -> list[str]:
    # As Moodle: every "=" starts a right answer, every "~" another answer.
    items = block.replace("=", "~=").split("~") if kind == "multichoice" else block.split("=")
    items = [item.strip() for item in items]
    if items and not items[0]:
        items = items[1:]
    return items


def _weight(item: str, kind: str) -> tuple[Decimal, str]:
    if kind == "multichoice" and item.startswith("="):
        return common.FULL, item[1:]
    weight = _WEIGHT.match(item)
    if weight:
        return Decimal(weight.group(1)), item[weight.end() :]
    # An answer without a weight: right in a short answer, wrong in a multiple choice.
    return (common.FULL if kind == "shortanswer" else Decimal(0)), item


def _note_feedback(result: ParseResult, line: int, feedback: list[str]) -> None:
    if any(part.strip() for part in feedback):
        result.warn("选项反馈（# 之后的文字）本平台不保存，已忽略。", line)


# Writing ------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Plain text as GIFT text: reserved characters escaped, line breaks as \\n (as Moodle)."""
    text = clean_text(str(text or ""))
    text = re.sub(r"([\\~=#{}:])", r"\\\1", text)
    return text.replace("\n", "\\n")


def _needs_plain(question: ParsedQuestion, explanation: str) -> bool:
    """Whether the question's texts must be marked [plain] to read back unchanged."""
    texts = [question.stem, explanation, *map(str, question.options)]
    if question.type == QuestionType.FILL:
        texts += [str(alt) for blank in question.answer for alt in blank]
    return any(not survives_moodle_format(clean_text(text)) for text in texts)


def _text(text: str, default_format: str) -> str:
    """An answer or feedback text: its own [format] when its start would be misread."""
    text = clean_text(str(text))
    if _WEIGHT.match(text) or _FORMAT_MARKER.match(text):
        return f"[{default_format}]{escape(text)}"
    return escape(text)


def _answer_block(question: ParsedQuestion, explanation: str, text_format: str) -> str | None:
    qtype = question.type
    feedback = f"####{_text(explanation, text_format)}" if explanation else ""
    general = f"\t{feedback}\n" if feedback else ""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        correct = set(question.answer)
        share = common.moodle_fraction(len(correct))
        lines = []
        for index, option in enumerate(question.options):
            if qtype == QuestionType.SINGLE:
                prefix = "=" if index in correct else "~"
            else:
                # Wrong picks cost the whole mark, as our "partial" multiple scoring.
                prefix = f"~%{share}%" if index in correct else "~%-100%"
            lines.append(f"\t{prefix}{_text(option, text_format)}\n")
        return "{\n" + "".join(lines) + general + "}"
    if qtype == QuestionType.TRUE_FALSE:
        value = "TRUE" if question.answer and question.answer[0] else "FALSE"
        return "{" + value + feedback + "}"
    if qtype == QuestionType.FILL:
        if len(question.answer) != 1:
            return None
        lines = []
        for alternative in question.answer[0]:
            # A literal * would be Moodle's wildcard; "->" would make the block a matching one.
            alternative = clean_text(str(alternative)).replace("*", "\\*")
            if "->" in alternative:
                text = "[html]" + escape(html.escape(alternative, quote=False))
            else:
                text = _text(alternative, text_format)
            lines.append(f"\t={text}\n")
        return "{\n" + "".join(lines) + general + "}"
    return "{" + feedback + "}"


def _left_out_subquestion(question: ParsedQuestion) -> str:
    title = clean_text(question.title or "").replace("\n", " ")
    return (
        f"// 未导出：{title} 是案例分析材料“{question.material_key}”的小题，GIFT 格式无法表示"
        "材料（一段情境带几道小题），请改用 Moodle XML 或 Excel 格式导出。\n\n"
    )


def export(questions: Iterable, skipped: list | None = None) -> bytes:
    """Questions as a GIFT file. Those GIFT cannot hold (fill-in-the-blank with several blanks, a
    case-analysis material's sub-questions) are written as a comment naming each and appended to
    `skipped` when a list is given."""
    parsed = as_parsed(questions)
    by_category: dict[str, list[ParsedQuestion]] = {"": []}
    for question in parsed:
        by_category.setdefault(question.category_path, []).append(question)
    chunks = ["// 供电服务培训考试平台导出的 GIFT 题库（UTF-8）\n\n"]
    for path, members in by_category.items():
        if path:
            chunks.append(f"$CATEGORY: {moodle_category_path(path)}\n\n")
        for question in members:
            if question.material_key:
                chunks.append(_left_out_subquestion(question))
                if skipped is not None:
                    skipped.append(question)
                continue
            explanation = question.explanation
            if question.type == QuestionType.SHORT:
                explanation = join_key_points(explanation, list(question.answer))
            text_format = "plain" if _needs_plain(question, explanation) else "moodle"
            block = _answer_block(question, explanation, text_format)
            title = clean_text(question.title or "")
            if block is None:
                chunks.append(
                    f"// 未导出：{title.replace(chr(10), ' ')} 是有 {len(question.answer)} 个空的"
                    "填空题，GIFT 格式无法表示多空填空题，请改用 Moodle XML 格式导出。\n\n"
                )
                if skipped is not None:
                    skipped.append(question)
                continue
            stem = clean_text(question.stem)
            # A marker also keeps a stem starting with "//" or "[" from being misread.
            needs_marker = text_format == "plain" or _FORMAT_MARKER.match(stem) or stem[:1] == "/"
            marker = f"[{text_format}]" if needs_marker else ""
            name = f"::{escape(title)}::" if title else ""
            chunks.append(f"{name}{marker}{escape(stem)}{block}\n\n")
    return "".join(chunks).encode("utf-8")
