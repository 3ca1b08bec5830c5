"""Answers in one place: reading a written answer the way a printed paper or a spreadsheet shows it,
writing a stored answer back in those words, checking an answer key against its question, and
describing answers and responses for feedback, review and marking pages. No database access.

The stored shapes (Question.answer): single → [index]; multiple → [indices]; truefalse → [bool];
fill → [[alternatives of blank 1], …]; short → [key points].

Written answers (the admin form, every spreadsheet, the seed fixtures): letters for choices
("ACD", also full-width "ＡＣ", with spaces, commas or 、 between them); 对 / 错 (√ / ×, 正确 /
错误, T / F, TRUE / FALSE) for true/false; for fill-in the blanks one per line, or on one line
separated by "；" (or ";"), the accepted alternatives of one blank by "|"; for short answers the
key points, one per line or separated by "；".
"""

import re
import unicodedata

from portal.thesaurus.keypoints import (
    describe_key_points,
    key_points_problems,
    read_key_point,
    write_key_point,
)

from .choices import QuestionType

LETTERS = "ABCDEFGH"
BLANK = "____"  # a blank in a fill-in stem

TRUE_WORDS = {"对", "正确", "是", "√", "✓", "✔", "t", "true", "y", "yes"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "✘", "x", "f", "false", "n", "no"}
CHOICE_NOISE = re.compile(r"[\s,，、;；.。]+")
PART_SEPARATOR = re.compile(r"[;；]")
ALTERNATIVE_SEPARATOR = re.compile(r"[|｜]")


def option_letter(index: int) -> str:
    return LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1)


def blank_count(stem: str) -> int:
    return stem.count(BLANK)


# Reading a written answer ------------------------------------------------------------------------


def _parts(text: str) -> list[str]:
    """One part per line (blank lines skipped), or, on one line, parts separated by "；"."""
    if "\n" in text:
        return [line.strip() for line in text.split("\n") if line.strip()]
    return [part.strip() for part in PART_SEPARATOR.split(text)]


def parse_choice(text: str, option_count: int) -> list[int]:
    letters = CHOICE_NOISE.sub("", unicodedata.normalize("NFKC", text)).upper()
    wrong = [c for c in letters if c not in LETTERS[:option_count]]
    if wrong:
        last = LETTERS[option_count - 1] if option_count else ""
        allowed = f"只能填 A–{last}" if option_count > 1 else "请先填写选项"
        raise ValueError(
            f"答案“{text}”中的“{''.join(dict.fromkeys(wrong))}”不是选项字母："
            f"本题有 {option_count} 个选项，{allowed}。"
        )
    return sorted({LETTERS.index(c) for c in letters})


def parse_true_false(text: str) -> list[bool]:
    word = unicodedata.normalize("NFKC", text).strip().lower()
    if word in TRUE_WORDS:
        return [True]
    if word in FALSE_WORDS:
        return [False]
    raise ValueError(
        f"判断题的答案请填“对”或“错”（也可填 √ / ×、正确 / 错误、T / F），不能是“{text}”。"
    )


def parse_fill(text: str) -> list[list[str]]:
    blanks = []
    for number, part in enumerate(_parts(text), start=1):
        alternatives = [a.strip() for a in ALTERNATIVE_SEPARATOR.split(part) if a.strip()]
        if not alternatives:
            raise ValueError(
                f"第 {number} 个空没有答案：各空之间用“；”分隔，同一空的几种写法用“|”分隔。"
            )
        blanks.append(alternatives)
    return blanks


def parse_key_points(text: str) -> list:
    """Key points one per line (or separated by "；"), each in the key-point syntax
    (portal.thesaurus.keypoints): "道歉|致歉", "35kV及以上 + 半年|6个月", "… ×2"."""
    points = [read_key_point(part) for part in _parts(text) if part]
    problems = key_points_problems(points)
    if problems:
        raise ValueError(problems[0])
    return points


def parse_answer(qtype: str, text: str, option_count: int = 0) -> list:
    """A written answer → the stored JSON; ValueError (Chinese) when it cannot be read."""
    text = (text or "").strip()
    if not text:
        raise ValueError("请填写正确答案。")
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return parse_choice(text, option_count)
    if qtype == QuestionType.TRUE_FALSE:
        return parse_true_false(text)
    if qtype == QuestionType.FILL:
        return parse_fill(text)
    if qtype == QuestionType.SHORT:
        return parse_key_points(text)
    raise ValueError("请先选择题型。")


def answer_from_data(qtype: str, value, option_count: int = 0) -> list:
    """An answer as a data file gives it (the seed fixtures' YAML): letters as text for choices,
    a boolean for true/false, lists for blanks and key points; written text is read as above."""
    if isinstance(value, str) or qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return parse_answer(qtype, str(value), option_count)
    if qtype == QuestionType.TRUE_FALSE:
        return [bool(value)]
    if qtype == QuestionType.FILL:
        return [[str(alternative) for alternative in blank] for blank in value]
    return [point if isinstance(point, dict) else str(point) for point in value]


# Writing an answer back --------------------------------------------------------------------------


def format_answer(qtype: str, answer, *, one_line: bool = False) -> str:
    """The stored JSON → the words parse_answer reads back into it: one blank or key point per
    line (the admin form), or, `one_line`, fill-in blanks separated by "；" (a spreadsheet cell;
    by lines still when an alternative itself holds a "；")."""
    if not isinstance(answer, list):
        return ""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(LETTERS[i] for i in answer if isinstance(i, int) and 0 <= i < len(LETTERS))
    if qtype == QuestionType.TRUE_FALSE:
        return ("对" if answer[0] else "错") if answer else ""
    if qtype == QuestionType.FILL:
        if not one_line:
            return "\n".join(" | ".join(str(a) for a in blank) for blank in answer)
        blanks = ["|".join(str(a) for a in alternatives) for alternatives in answer]
        separator = "\n" if any(PART_SEPARATOR.search(blank) for blank in blanks) else "；"
        return separator.join(blanks)
    return "\n".join(write_key_point(point) for point in answer)


# Checking an answer key --------------------------------------------------------------------------


def _choice_key_problems(qtype: str, options, answer) -> list[str]:
    errors = []
    if not isinstance(options, list) or len(options) < 2:
        errors.append("选择题至少需要两个选项。")
    elif any(not str(option).strip() for option in options):
        errors.append("选项不能为空。")
    elif len({str(option).strip() for option in options}) != len(options):
        errors.append("选项不能重复。")
    indices = answer if isinstance(answer, list) else None
    if not indices or any(
        not isinstance(i, int) or not 0 <= i < len(options or []) for i in indices
    ):
        errors.append("正确答案必须是选项中的一项或几项。")
    elif qtype == QuestionType.SINGLE and len(indices) != 1:
        errors.append("单选题只能有一个正确答案。")
    elif qtype == QuestionType.MULTIPLE and len(indices) < 2:
        errors.append("多选题至少要有两个正确答案。")
    return errors


def _fill_key_problems(answer, stem: str) -> list[str]:
    blanks = blank_count(stem)
    if (
        not isinstance(answer, list)
        or not answer
        or any(
            not isinstance(alts, list) or not [a for a in alts if str(a).strip()] for alts in answer
        )
    ):
        return ["填空题每个空至少要有一个可接受的答案。"]
    if blanks != len(answer):
        return [f"题干中有 {blanks} 个空（____），但答案给了 {len(answer)} 个空。"]
    return []


def validate_answer_key(qtype: str, options: list, answer, stem: str = "") -> list[str]:
    """Problems with a question's answer key, in Chinese; empty when it is valid."""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return _choice_key_problems(qtype, options, answer)
    if qtype == QuestionType.TRUE_FALSE:
        if not (isinstance(answer, list) and len(answer) == 1 and isinstance(answer[0], bool)):
            return ["判断题的答案必须是“对”或“错”。"]
        return []
    if qtype == QuestionType.FILL:
        return _fill_key_problems(answer, stem)
    if qtype == QuestionType.SHORT:
        if not isinstance(answer, list) or not answer:
            return ["简答题至少需要一个答题要点。"]
        return key_points_problems(answer)
    return ["未知题型。"]


# Answers and responses in words (feedback, review, marking) -------------------------------------


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
    return describe_key_points(key)


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
