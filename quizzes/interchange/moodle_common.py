"""How Moodle's question types map onto ours, shared by the Moodle XML and GIFT readers/writers.

Moodle scores each option with a fraction (percent of the mark, negative allowed); our questions
store only which options are correct, and the blueprint decides how a multiple-choice answer is
scored (all or nothing, or in proportion without wrong picks). The readers turn fractions into a
set of correct options and say in a warning whenever that loses something the file said.
"""

from decimal import Decimal, InvalidOperation

from ..bank.answers import BLANK, validate_answer_key
from ..bank.choices import Difficulty, QuestionType
from .base import ParsedQuestion, ParseResult
from .text import key_points_from_lines, place_single_blank, split_key_points

FULL = Decimal(100)
# Moodle writes 100/3 as 33.33333: fractions this close count as equal.
TOLERANCE = Decimal("0.001")
DIFFICULTY_LABELS = list(Difficulty.choices)
DIFFICULTY_BY_LABEL = {label: value for value, label in DIFFICULTY_LABELS}
# Tags our Moodle XML writer adds so that a re-import keeps what Moodle has no field for.
DIFFICULTY_TAG = "难度"
KNOWLEDGE_POINT_TAG = "知识点"
SOURCE_TAG = "来源"


# The grades Moodle offers for an answer (percent); its importers refuse any other (question/
# engine/lib get_grade_options, matched within 0.00001 of a fraction, i.e. 0.001 percent).
MOODLE_GRADES = [
    Decimal(value)
    for value in (
        "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333",
        "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0",
    )
]  # fmt: skip
GRADE_TOLERANCE = Decimal("0.001")


def check_grade(result: ParseResult, fraction: Decimal, line: int | None, text: str = "") -> bool:
    """Whether Moodle accepts this answer grade; an error (as Moodle refuses it) when not."""
    if any(abs(abs(fraction) - grade) < GRADE_TOLERANCE for grade in MOODLE_GRADES):
        return True
    label = f"答案“{text[:20]}”的" if text else "答案的"
    result.error(
        f"{label}得分比例 {percent(fraction)} 不是 Moodle 允许的值（100%、90%、83.33333%、80%、"
        "75%、70%、66.66667%、60%、50%、40%、33.33333%、30%、25%、20%、16.66667%、14.28571%、"
        "12.5%、11.11111%、10%、5%、0% 或其负值），Moodle 也拒绝导入：请改成其中之一。",
        line,
    )
    return False


def option_label(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def percent(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')).normalize():f}"
    return f"{text}%"


def parse_fraction(raw: str) -> Decimal | None:
    """A fraction as Moodle writes it (percent, e.g. "100", "-33.33333"); None if it is not one."""
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) > 1000:
        return None
    return value


def moodle_fraction(correct_count: int) -> str:
    """Percent for each correct option of a multiple-response question, as Moodle writes it."""
    value = (FULL / correct_count).quantize(Decimal("0.00001"))
    return f"{value.normalize():f}"


def _describe(options: list[str], fractions: list[Decimal], indices: list[int]) -> str:
    return "，".join(
        f"{option_label(i)}“{options[i][:20]}” {percent(fractions[i])}" for i in indices
    )


def choice_question(
    result: ParseResult,
    base: ParsedQuestion,
    options: list[str],
    fractions: list[Decimal],
    single: bool,
) -> ParsedQuestion | None:
    """A Moodle multichoice question as our single or multiple choice (None after an error)."""
    line = base.line
    positive = [i for i, f in enumerate(fractions) if f > 0]
    if not positive:
        result.cannot_represent("没有得分为正的选项，无法确定正确答案。", line, base.title)
        return None
    others = [i for i in range(len(fractions)) if i not in positive]
    if single:
        full = [i for i in positive if abs(fractions[i] - FULL) <= TOLERANCE]
        if full:
            chosen = full[0]
            if len(full) > 1:
                result.warn(
                    f"有 {len(full)} 个满分选项（{_describe(options, fractions, full)}），"
                    f"本平台单选题只能有一个正确答案：已取第一个 {option_label(chosen)} 为正确答案，"
                    "请核对。",
                    line,
                )
        else:
            chosen = max(positive, key=lambda i: fractions[i])
            result.warn(
                f"没有满分选项：已把得分最高的 {option_label(chosen)}"
                f"（{percent(fractions[chosen])}）作为正确答案，请核对。",
                line,
            )
        partial = [i for i in range(len(fractions)) if i != chosen and fractions[i] != 0]
        partial = [i for i in partial if i not in full[1:]]
        if partial:
            result.warn(
                "单选题只计对错：原文件中的部分得分或扣分（"
                f"{_describe(options, fractions, partial)}）未保留，这些选项按错误选项导入。",
                line,
            )
        return _replace(base, type=QuestionType.SINGLE, options=options, answer=[chosen])
    if len(positive) == 1:
        result.warn(
            f"原题允许多选，但只有 {option_label(positive[0])} 一个得分为正的选项，已按单选题导入。",
            line,
        )
        return _replace(base, type=QuestionType.SINGLE, options=options, answer=positive)
    share = FULL / len(positive)
    equal_shares = all(abs(fractions[i] - share) <= TOLERANCE for i in positive)
    # A wrong pick costing the whole mark (-100%) or nothing (0%) is what our scoring does too.
    plain_penalties = all(fractions[i] in (0, -FULL) for i in others)
    if not (equal_shares and plain_penalties):
        result.warn(
            "多选题的得分比例已转换：本平台只记录哪些选项正确——得分为正的选项"
            f"（{'、'.join(option_label(i) for i in positive)}）为正确答案，其余为错误选项；"
            f"原文件中的比例（{_describe(options, fractions, range(len(fractions)))}）未保留，"
            "计分方式以组卷规则中的“多选题计分”为准。",
            line,
        )
    return _replace(base, type=QuestionType.MULTIPLE, options=options, answer=positive)


def fill_question(
    result: ParseResult,
    base: ParsedQuestion,
    stem_text: str,
    answers: list[tuple[str, Decimal]],
) -> ParsedQuestion | None:
    """A Moodle short-answer question (one blank) as our fill-in-the-blank question."""
    alternatives = blank_alternatives(result, base.line, answers, title=base.title)
    if not alternatives:
        return None
    stem, guessed = place_single_blank(stem_text)
    if guessed:
        result.warn(
            f"题干中没有空位标记，已在题干末尾加上 {BLANK}（一个空），请核对空位位置。", base.line
        )
    return _replace(base, type=QuestionType.FILL, stem=stem, answer=[alternatives])


def blank_alternatives(
    result: ParseResult,
    line: int | None,
    answers: list[tuple[str, Decimal]],
    blank_label: str = "",
    title: str = "",
) -> list[str]:
    """The accepted answers of one Moodle blank: the 100% ones, wildcards excepted."""
    alternatives: list[str] = []
    for text, fraction in answers:
        literal = text.replace("\\*", "\0")
        if "*" in literal:
            result.warn(
                f"{blank_label}答案“{text[:30]}”（{percent(fraction)}）含通配符 *，"
                "本平台按原文比对答案，不支持通配符：该答案未导入。",
                line,
            )
            continue
        literal = literal.replace("\0", "*").strip()
        if fraction >= FULL - TOLERANCE:
            if literal and literal not in alternatives:
                alternatives.append(literal)
        elif fraction > 0:
            result.warn(
                f"{blank_label}答案“{literal[:30]}”原为部分得分（{percent(fraction)}），"
                "本平台填空题只接受满分答案：该答案未导入。",
                line,
            )
    if not alternatives:
        result.cannot_represent(
            f"{blank_label}没有可用的满分（100%）答案（通配符答案不支持），无法作为填空题导入。",
            line,
            title,
        )
    return alternatives


def short_question(
    result: ParseResult, base: ParsedQuestion, grader_info: str = ""
) -> ParsedQuestion:
    """A Moodle essay as our short answer: key points from the grader information (or from the
    "答题要点：" block our exporter writes into the general feedback)."""
    if grader_info.strip():
        explanation, points = base.explanation, key_points_from_lines(grader_info)
    else:
        explanation, points = split_key_points(base.explanation)
    if not points:
        result.warn(
            "这道问答题（essay）没有答题要点：已按简答题导入，但答题要点为空，"
            "阅卷前须在题库中补充答题要点。",
            base.line,
        )
    return _replace(base, type=QuestionType.SHORT, answer=points, explanation=explanation)


def apply_tags(base: ParsedQuestion, tags: list[str]) -> None:
    """Our writer's tags "难度：易", "知识点：…", "来源：…" back into the question."""
    for tag in tags:
        name, sep, value = tag.partition("：")
        if not sep:
            name, sep, value = tag.partition(":")
        name, value = name.strip(), value.strip()
        if name == DIFFICULTY_TAG and value in DIFFICULTY_BY_LABEL:
            base.difficulty = DIFFICULTY_BY_LABEL[value]
        elif name == KNOWLEDGE_POINT_TAG and value:
            base.knowledge_point = value[:100]
        elif name == SOURCE_TAG and value:
            base.source_note = value[:200]


def accept(result: ParseResult, question: ParsedQuestion | None) -> None:
    """Add a finished question if it is valid in our model; else report why, at its line."""
    if question is None:
        return
    if not question.stem.strip():
        result.cannot_represent("题干为空（可能只有图片）。", question.line, question.title)
        return
    errors = validate_answer_key(question.type, question.options, question.answer, question.stem)
    if question.type == QuestionType.SHORT and not question.answer:
        # An essay without key points is imported; the warning above asks for them.
        errors = []
    if errors:
        # A well-formed question of the file that our model cannot hold: skipped and named.
        result.cannot_represent("".join(errors), question.line, question.title)
    else:
        result.questions.append(question)


def add_category(result: ParseResult, path: str) -> None:
    if path and path not in result.categories:
        result.categories.append(path)


def _replace(base: ParsedQuestion, **changes) -> ParsedQuestion:
    for name, value in changes.items():
        setattr(base, name, value)
    return base
