"""Question banks as spreadsheets (XLSX and CSV): the template, the reader and the writer.

One question per row under a header row of Chinese column names:

    题型 | 题干 | 选项A … 选项H | 答案 | 解析 | 难度 | 分类 | 知识点 | 分值 | 来源

How answers are written (the template's 说明 sheet says the same to editors):

- 单选题 / 多选题: option letters, e.g. ``B`` or ``ACD`` (spaces, commas and 、 are ignored);
- 判断题: 对 / 错 (also √ / ×, 正确 / 错误, T / F, TRUE / FALSE);
- 填空题: the stem marks each blank with ``____``; the answer lists the blanks in order separated
  by ``；`` (or ``;`` or a line break), and the accepted alternatives of one blank by ``|``:
  ``3|三；5|五`` is two blanks;
- 简答题: the key points (答题要点), one per line (or separated by ``；`` when on one line).

Both readers turn the file into rows of text and share one row parser, so an XLSX and a CSV with
the same content give the same questions and the same messages. Nothing here touches the database.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.spreadsheets import (
    BROKEN_MESSAGE,
    SpreadsheetRefused,
    XlsxLimits,
    XlsxSheet,
    csv_row,
    csv_text,
    open_xlsx,
    xlsx_row,
)

from ..bank.answers import BLANK, LETTERS, validate_answer_key
from ..bank.choices import Difficulty, QuestionType
from .base import MAX_IMPORT_BYTES, FileRejected, ParsedQuestion, ParseResult, check_size
from .convert import as_parsed

# Columns ----------------------------------------------------------------------------------------

OPTION_HEADERS = [f"选项{letter}" for letter in LETTERS]
HEADERS = [
    "题型",
    "题干",
    *OPTION_HEADERS,
    "答案",
    "解析",
    "难度",
    "分类",
    "知识点",
    "分值",
    "来源",
]
REQUIRED = ("type", "stem", "answer")
# Column key → accepted header spellings (compared after normalise_header).
HEADER_ALIASES = {
    "type": ["题型", "题目类型", "试题类型", "类型"],
    "stem": ["题干", "题目", "题目内容", "试题内容", "问题"],
    "answer": ["答案", "正确答案", "标准答案", "参考答案"],
    "explanation": ["解析", "答案解析", "试题解析"],
    "difficulty": ["难度", "难易度", "难易程度"],
    "category": ["分类", "题库分类", "试题分类", "类别"],
    "knowledge_point": ["知识点"],
    "score": ["分值", "分数", "默认分值"],
    "source": ["来源", "出处", "试题来源"],
}
HEADER_LABELS = {
    "type": "题型",
    "stem": "题干",
    "answer": "答案",
    "explanation": "解析",
    "difficulty": "难度",
    "category": "分类",
    "knowledge_point": "知识点",
    "score": "分值",
    "source": "来源",
    **{f"option{i}": header for i, header in enumerate(OPTION_HEADERS)},
}
OPTION_HEADER = re.compile(r"^(?:选项)?([A-H])(?:选项)?$")
HEADER_NOISE = re.compile(r"[\s*＊]|[（(](?:必填|选填|可选|可不填)[)）]")

TYPE_WORDS = {
    QuestionType.SINGLE: ["单选题", "单选", "单项选择题", "单项选择", "single"],
    QuestionType.MULTIPLE: ["多选题", "多选", "多项选择题", "多项选择", "不定项选择题", "multiple"],
    QuestionType.TRUE_FALSE: ["判断题", "判断", "是非题", "truefalse"],
    QuestionType.FILL: ["填空题", "填空", "fill"],
    QuestionType.SHORT: ["简答题", "简答", "问答题", "问答", "short"],
}
TYPE_BY_WORD = {word: qtype for qtype, words in TYPE_WORDS.items() for word in words}
DIFFICULTY_WORDS = {
    "易": Difficulty.EASY,
    "简单": Difficulty.EASY,
    "容易": Difficulty.EASY,
    "1": Difficulty.EASY,
    "中": Difficulty.MEDIUM,
    "中等": Difficulty.MEDIUM,
    "一般": Difficulty.MEDIUM,
    "适中": Difficulty.MEDIUM,
    "2": Difficulty.MEDIUM,
    "难": Difficulty.HARD,
    "困难": Difficulty.HARD,
    "较难": Difficulty.HARD,
    "3": Difficulty.HARD,
}
TRUE_WORDS = {"对", "正确", "是", "√", "✓", "✔", "t", "true", "y", "yes"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "✘", "x", "f", "false", "n", "no"}

BLANK_SEPARATOR = re.compile(r"[;；]")
ALTERNATIVE_SEPARATOR = re.compile(r"[|｜]")
POINT_SEPARATOR = re.compile(r"[;；]")
CHOICE_NOISE = re.compile(r"[\s,，、;；.。]+")
# Blanks typed as a run of underscores of any length count as one blank (grading wants ____).
UNDERSCORE_RUN = re.compile(r"[_＿]{3,}")
# Control characters cannot be stored in an XLSX cell and never belong in a question.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MAX_ROWS = 10_000
MAX_SCORE = Decimal("999.99")
KNOWLEDGE_POINT_MAX = 100
SOURCE_NOTE_MAX = 200
CATEGORY_NAME_MAX = 100
HEADER_SEARCH_ROWS = 10
# What an uploaded question workbook may hold (portal.spreadsheets checks it before openpyxl
# reads anything): MAX_ROWS questions of up to 19 columns fit with room for blank and styled
# rows, extra columns and the 说明 sheet.
XLSX_LIMITS = XlsxLimits(
    max_file_bytes=MAX_IMPORT_BYTES - 1,
    max_unpacked_bytes=100 * 1024 * 1024,
    max_sheets=20,
    max_rows=50_000,
    max_columns=100,
    max_cells=500_000,
)

GB18030_BOM = b"\x84\x31\x95\x33"


class ColumnMap:
    """Which column holds what, found from the header row."""

    def __init__(self, header_line: int, headers: list[str]):
        self.header_line = header_line
        self.headers = headers
        self.index: dict[str, int] = {}
        self.unknown: list[int] = []
        self.duplicates: list[tuple[int, int]] = []
        for position, raw in enumerate(headers):
            key = header_key(raw)
            if key is None:
                if normalise_header(raw):
                    self.unknown.append(position)
                continue
            if key in self.index:
                self.duplicates.append((self.index[key], position))
                continue
            self.index[key] = position
        # Some templates call the category column 知识点: then it fills both.
        if "category" not in self.index and "knowledge_point" in self.index:
            self.index["category"] = self.index["knowledge_point"]

    def label(self, position: int) -> str:
        header = self.headers[position] if position < len(self.headers) else ""
        letter = get_column_letter(position + 1)
        return f"{letter}（{header.strip()}）" if header and header.strip() else letter

    def column(self, key: str) -> str:
        return self.label(self.index[key])

    @property
    def option_positions(self) -> list[int | None]:
        return [self.index.get(f"option{i}") for i in range(len(LETTERS))]


def normalise_header(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", str(text or ""))
    return HEADER_NOISE.sub("", text).upper()


def header_key(text: str | None) -> str | None:
    header = normalise_header(text)
    if not header:
        return None
    match = OPTION_HEADER.match(header)
    if match:
        return f"option{LETTERS.index(match.group(1))}"
    for key, aliases in HEADER_ALIASES.items():
        if header in {normalise_header(alias) for alias in aliases}:
            return key
    return None


class CellProblem:
    """A cell that cannot be read as text (a formula, an error value, a date): its message."""

    def __init__(self, message: str):
        self.message = message

    def __str__(self) -> str:
        return ""


def clean_text(value) -> str:
    if isinstance(value, CellProblem):
        return ""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub("", text).strip()


# Cell values ------------------------------------------------------------------------------------


def parse_type(text: str) -> str | None:
    word = unicodedata.normalize("NFKC", text).replace(" ", "").lower()
    return TYPE_BY_WORD.get(word)


def parse_choice_answer(text: str, option_count: int) -> list[int]:
    letters = CHOICE_NOISE.sub("", unicodedata.normalize("NFKC", text)).upper()
    wrong = [c for c in letters if c not in LETTERS[:option_count]]
    if wrong:
        last = LETTERS[option_count - 1] if option_count else ""
        allowed = f"只能填 A–{last}" if option_count > 1 else "请先在选项列填写选项"
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
    parts = text.split("\n") if "\n" in text else BLANK_SEPARATOR.split(text)
    blanks = []
    for number, part in enumerate(parts, start=1):
        alternatives = [a.strip() for a in ALTERNATIVE_SEPARATOR.split(part) if a.strip()]
        if not alternatives:
            raise ValueError(
                f"第 {number} 个空没有答案：各空之间用“；”分隔，同一空的几种写法用“|”分隔。"
            )
        blanks.append(alternatives)
    return blanks


def parse_key_points(text: str) -> list[str]:
    parts = text.split("\n") if "\n" in text else POINT_SEPARATOR.split(text)
    return [part.strip() for part in parts if part.strip()]


def parse_difficulty(text: str) -> int:
    if not text:
        return Difficulty.MEDIUM
    word = unicodedata.normalize("NFKC", text).strip()
    if word in DIFFICULTY_WORDS:
        return int(DIFFICULTY_WORDS[word])
    raise ValueError(f"难度只能填“易”“中”或“难”，不能是“{text}”。")


def parse_score(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        score = Decimal(unicodedata.normalize("NFKC", text).strip())
    except InvalidOperation:
        raise ValueError(f"分值应为数字，不能是“{text}”。") from None
    if not score.is_finite() or score <= 0 or score > MAX_SCORE:
        raise ValueError(f"分值应大于 0 且不超过 {MAX_SCORE}，不能是“{text}”。")
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(f"分值最多两位小数，不能是“{text}”。")
    return score


def parse_category(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\\", "/")
    names = [name.strip() for name in text.split("/") if name.strip()]
    too_long = [name for name in names if len(name) > CATEGORY_NAME_MAX]
    if too_long:
        raise ValueError(f"分类名称最多 {CATEGORY_NAME_MAX} 个字：“{too_long[0][:20]}…”太长。")
    return "/".join(names)


# Rows → questions -------------------------------------------------------------------------------


def is_empty(values: list) -> bool:
    return all(not clean_text(value) and not isinstance(value, CellProblem) for value in values)


def find_header(rows: list[tuple[int, list[str | None]]]) -> ColumnMap | None:
    for line, values in rows[:HEADER_SEARCH_ROWS]:
        keys = {header_key(value) for value in values}
        if "type" in keys and "stem" in keys:
            return ColumnMap(line, [str(value or "") for value in values])
    return None


def header_problems(columns: ColumnMap) -> list[str]:
    missing = [HEADER_LABELS[key] for key in REQUIRED if key not in columns.index]
    problems = []
    if missing:
        problems.append(
            f"第 {columns.header_line} 行表头缺少：" + "、".join(missing) + "。请使用下载的模板。"
        )
    for first, second in columns.duplicates:
        problems.append(
            f"第 {columns.header_line} 行表头中 {columns.label(second)} 与 "
            f"{columns.label(first)} 重复，请删除其中一列。"
        )
    return problems


def parse_row(
    result: ParseResult, columns: ColumnMap, line: int, values: list[str | None]
) -> ParsedQuestion | None:
    """One data row → a question, or None after recording every problem of the row."""
    errors_before = len(result.errors)
    # Unreadable cells are reported once; other complaints about the same cell would only repeat.
    unreadable = set()
    for position, value in enumerate(values):
        if isinstance(value, CellProblem):
            result.error(value.message, line, columns.label(position))
            unreadable.add(position)

    def cell(key: str) -> str:
        position = columns.index.get(key)
        if position is None or position >= len(values):
            return ""
        return clean_text(values[position])

    def fail(key: str, message: str) -> None:
        if columns.index.get(key) not in unreadable:
            result.error(message, line, columns.column(key))

    type_text = cell("type")
    qtype = parse_type(type_text) if type_text else None
    if not type_text:
        fail("type", "题型为空：请填写单选题、多选题、判断题、填空题或简答题。")
    elif qtype is None:
        fail(
            "type",
            f"题型“{type_text}”无法识别：请填写单选题、多选题、判断题、填空题或简答题。",
        )
    stem = cell("stem")
    if not stem:
        fail("stem", "题干为空。")
    if qtype == QuestionType.FILL:
        stem = UNDERSCORE_RUN.sub(BLANK, stem)

    options: list[str] = []
    option_positions = columns.option_positions
    texts = [
        clean_text(values[p]) if p is not None and p < len(values) else "" for p in option_positions
    ]
    last_filled = max((i for i, text in enumerate(texts) if text), default=-1)
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        for i in range(last_filled + 1):
            if not texts[i] and option_positions[i] not in unreadable:
                position = option_positions[i]
                where = columns.label(position) if position is not None else OPTION_HEADERS[i]
                result.error(
                    f"{OPTION_HEADERS[i]}为空，但后面的选项有内容：选项须从 A 起连续填写。",
                    line,
                    where,
                )
        options = texts[: last_filled + 1]
        if last_filled < 1:
            fail("type", "选择题至少要填两个选项（选项A、选项B …）。")
    elif qtype is not None and last_filled >= 0:
        result.warn(
            f"{QuestionType(qtype).label}不需要选项，已忽略本行的选项列。",
            line,
            columns.label(option_positions[last_filled]),
        )

    answer_text = cell("answer")
    answer = None
    if not answer_text:
        fail("answer", "答案为空。")
    elif qtype is not None:
        try:
            if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
                answer = parse_choice_answer(answer_text, len(options))
            elif qtype == QuestionType.TRUE_FALSE:
                answer = parse_true_false(answer_text)
            elif qtype == QuestionType.FILL:
                answer = parse_fill(answer_text)
            else:
                answer = parse_key_points(answer_text)
        except ValueError as error:
            fail("answer", str(error))
    if answer is not None and stem and len(result.errors) == errors_before:
        for message in validate_answer_key(qtype, options, answer, stem):
            fail("answer", message)

    difficulty = Difficulty.MEDIUM
    if "difficulty" in columns.index:
        try:
            difficulty = parse_difficulty(cell("difficulty"))
        except ValueError as error:
            fail("difficulty", str(error))
    score = None
    if "score" in columns.index:
        try:
            score = parse_score(cell("score"))
        except ValueError as error:
            fail("score", str(error))
    category = ""
    if "category" in columns.index:
        try:
            category = parse_category(cell("category"))
        except ValueError as error:
            fail("category", str(error))
    knowledge_point = cell("knowledge_point")
    if len(knowledge_point) > KNOWLEDGE_POINT_MAX:
        fail(
            "knowledge_point",
            f"知识点最多 {KNOWLEDGE_POINT_MAX} 个字（现有 {len(knowledge_point)} 个）。",
        )
    source_note = cell("source")
    if len(source_note) > SOURCE_NOTE_MAX:
        fail("source", f"来源最多 {SOURCE_NOTE_MAX} 个字（现有 {len(source_note)} 个）。")

    if len(result.errors) != errors_before:
        return None
    return ParsedQuestion(
        type=str(qtype),
        stem=stem,
        options=options,
        answer=answer,
        explanation=cell("explanation"),
        category_path=category,
        knowledge_point=knowledge_point,
        difficulty=int(difficulty),
        score=score,
        source_note=source_note,
        line=line,
    )


def parse_rows(
    result: ParseResult, rows: Iterable[tuple[int, list[str | None]]], *, hint: str = ""
) -> ParseResult:
    """Rows of text (with their 1-based row numbers) → questions; every problem is recorded."""
    head: list[tuple[int, list[str | None]]] = []
    rows = iter(rows)
    for line, values in rows:
        if not is_empty(values):
            head.append((line, values))
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    if not head:
        raise FileRejected("文件是空的：没有表头，也没有试题。请使用下载的模板填写。")
    columns = find_header(head)
    if columns is None:
        raise FileRejected(
            f"找不到表头：前 {HEADER_SEARCH_ROWS} 行中没有“题型”和“题干”列。"
            "请使用下载的模板（第 1 行为表头）。" + hint
        )
    problems = header_problems(columns)
    if problems:
        raise FileRejected(" ".join(problems))
    for position in columns.unknown:
        result.warn(
            "不认识这一列的表头，已忽略这一列。", columns.header_line, columns.label(position)
        )

    data_rows = 0
    for line, values in _after(head, columns.header_line, rows):
        if is_empty(values):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise FileRejected(f"试题超过 {MAX_ROWS} 行：请拆分成几个文件分批导入。")
        question = parse_row(result, columns, line, values)
        if question is not None:
            result.questions.append(question)
    if not data_rows:
        result.error("表头下面没有试题：请从表头的下一行起，每行填写一道题。", columns.header_line)
    return result


def _after(
    head: list[tuple[int, list]], header_line: int, rest: Iterator[tuple[int, list]]
) -> Iterator[tuple[int, list]]:
    for line, values in head:
        if line > header_line:
            yield line, values
    yield from rest


# XLSX -------------------------------------------------------------------------------------------


def _xlsx_value(cell) -> str | CellProblem | None:
    """A cell's value as text; formulas, error values and dates are reported, not guessed."""
    value = getattr(cell, "value", None)
    if value is None:
        return None
    kind = getattr(cell, "data_type", None)
    if kind == "f":
        return CellProblem("单元格是公式：导入不计算公式，请复制后“选择性粘贴 → 数值”再导入。")
    if kind == "e":
        return CellProblem(f"单元格是错误值 {value}，请改成文字。")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (datetime, date, time)):
        return CellProblem(
            "单元格被 Excel 识别成了日期或时间：请把该单元格设为“文本”格式后重新输入。"
        )
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _xlsx_rows(sheet: XlsxSheet) -> Iterator[tuple[int, list]]:
    # Formula cells are reported where they are (with every other problem), not refused at once.
    for line, cells in sheet.rows(refuse_formulas=False):
        yield line, [_xlsx_value(cell) for cell in cells]


def read_xlsx(data: bytes) -> ParseResult:
    check_size(len(data))
    try:
        workbook = open_xlsx(data=data, limits=XLSX_LIMITS)
    except SpreadsheetRefused as refusal:
        raise FileRejected(refusal.message) from None
    try:
        sheets = [sheet for sheet in workbook.sheets if sheet.title.strip() != "说明"]
        if not sheets:
            raise FileRejected("工作簿中没有试题工作表。请使用下载的模板。")
        # The questions are on the first sheet that has the header (the template's 试题 sheet).
        first_refusal = None
        for sheet in sheets:
            result = ParseResult(format="xlsx")
            try:
                return parse_rows(result, _xlsx_rows(sheet))
            except FileRejected as refusal:
                first_refusal = first_refusal or refusal
        raise first_refusal
    except FileRejected:
        raise
    except SpreadsheetRefused as refusal:
        raise FileRejected(refusal.message) from None
    except Exception:  # a damaged part of the file shows up only while its rows are read
        raise FileRejected(BROKEN_MESSAGE) from None
    finally:
        workbook.close()


# CSV --------------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, else GB18030 (which includes GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            "文件是 UTF-16 编码（Excel 的“Unicode 文本”）。请在 Excel 中"
            "“另存为 → CSV UTF-8（逗号分隔）”后再导入。"
        )
    if b"\x00" in data:
        raise FileRejected("文件含有二进制内容，不是 CSV 文本文件。请上传 .csv 或 .xlsx 文件。")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    body = data[len(GB18030_BOM) :] if data.startswith(GB18030_BOM) else data
    try:
        return body.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise FileRejected(
            f"无法识别文件的编码：第 {line} 行有既不是 UTF-8 也不是 GBK/GB18030 的字符。"
            "请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后再导入。"
        ) from None


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {delimiter: first.count(delimiter) for delimiter in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(data: bytes) -> ParseResult:
    check_size(len(data))
    text, encoding = decode_csv(data)
    result = ParseResult(format="csv")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def rows() -> Iterator[tuple[int, list[str]]]:
        # Rows are numbered by record, as Excel shows them when it opens the file. Our own
        # exports quote text that starts like a formula ('=…): the quote is taken off again.
        record = 0
        try:
            for record, values in enumerate(reader, start=1):  # noqa: B007
                yield record, [csv_text(value) for value in values]
        except csv.Error as error:
            raise FileRejected(
                f"第 {record + 1} 行无法按 CSV 读取（{error}）：请检查引号是否成对。"
            ) from None

    hint = ""
    if encoding != "UTF-8":
        hint = "如果表头显示为乱码，文件可能是其他编码（如 Big5），请另存为“CSV UTF-8”。"
    return parse_rows(result, rows(), hint=hint)


# Writing ----------------------------------------------------------------------------------------

INSTRUCTIONS = [
    ("列", "怎么填"),
    ("题型", "单选题、多选题、判断题、填空题、简答题（也认“单项选择题”“多项选择题”等写法）。"),
    ("题干", "题目文字。填空题在题干中用四个下划线 ____ 表示一个空。"),
    (
        "选项A … 选项H",
        "单选题、多选题的选项，从选项A起连续填写，至少两个，不要写“A.”前缀；其他题型留空。",
    ),
    ("答案", "单选、多选题填选项字母，如 B 或 ACD。"),
    ("", "判断题填 对 或 错（也可填 √ / ×、正确 / 错误、T / F）。"),
    (
        "",
        "填空题按空的顺序填写，各空之间用中文或英文分号（；或 ;）分隔，同一个空的几种可接受写法用 | 分隔，"
        "如“3|三；5|五”表示两个空（单元格内换行也可以分隔各空）。",
    ),
    ("", "简答题填答题要点（阅卷时按要点给分），每行一个，或在同一行用分号分隔。"),
    ("解析", "可不填。"),
    ("难度", "易、中、难，不填为“中”。"),
    ("分类", "题库分类，多级用 / 分隔，如“礼仪/电话礼仪”；不填则放入导入时选择的分类。"),
    ("知识点", "可不填；没有“分类”列时，“知识点”列同时作为分类。"),
    ("分值", "默认分值，大于 0，最多两位小数；不填为 1 分。"),
    ("来源", "可不填，如文件名或文件文号。"),
    ("", ""),
    ("注意", "第 1 行是表头，不要修改；空行会被跳过；单元格不能是公式。"),
    (
        "",
        "同一分类中题干相同（忽略标点、空格、全半角和繁简体）的题目视为重复："
        "题库中已有的会被更新（内容相同则不变），文件中后出现的会被跳过。",
    ),
    ("", "只要有一处错误，整个文件都不会导入；请按预览中列出的行号和列改正后重新上传。"),
    ("", "CSV 文件请保存为 UTF-8 编码（Excel：另存为“CSV UTF-8（逗号分隔）”），GBK 编码也可以。"),
]

EXAMPLES = [
    ParsedQuestion(
        type=QuestionType.SINGLE,
        stem="客户来电时，接听电话应在铃响几声之内？",
        options=["两声", "三声", "四声", "五声"],
        answer=[1],
        explanation="电话铃响三声之内接听。",
        category_path="礼仪/电话礼仪",
        knowledge_point="接听电话",
        difficulty=Difficulty.EASY,
        score=Decimal("1"),
        source_note="示例",
    ),
    ParsedQuestion(
        type=QuestionType.MULTIPLE,
        stem="供电营业厅开展的“四声服务”包括下列哪些？",
        options=["来有迎声", "问有答声", "唱收唱付", "去有送声", "错有歉声"],
        answer=[0, 1, 2, 3],
        explanation="四声服务：来有迎声、问有答声、唱收唱付、去有送声。",
        category_path="礼仪",
        knowledge_point="四声服务",
        difficulty=Difficulty.MEDIUM,
        score=Decimal("2"),
    ),
    ParsedQuestion(
        type=QuestionType.TRUE_FALSE,
        stem="与客户通话时，可以使用“漏保”等简称。",
        answer=[False],
        explanation="应使用规范用语，不用简称。",
        category_path="礼仪/电话礼仪",
        difficulty=Difficulty.EASY,
    ),
    ParsedQuestion(
        type=QuestionType.FILL,
        stem=f"停电前 {BLANK} 天内将停电通知送达用户，停电前 {BLANK} 分钟再通知用户一次。",
        answer=[["三至七", "3至7", "3-7"], ["30", "三十"]],
        explanation="供电营业规则第六十七条。",
        category_path="供电质量",
        difficulty=Difficulty.MEDIUM,
        score=Decimal("2"),
    ),
    ParsedQuestion(
        type=QuestionType.SHORT,
        stem="简述首问负责制对首问负责人的要求。",
        answer=[
            "主动热情细致地解答问题",
            "了解客户需求",
            "协助解决不属于自己能力范围的问题",
            "不得推诿塞责",
        ],
        category_path="营业",
        difficulty=Difficulty.HARD,
        score=Decimal("5"),
    ),
]


def format_answer(question: ParsedQuestion) -> str:
    """The stored answer → the cell text the reader turns back into it."""
    answer = question.answer or []
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(LETTERS[i] for i in answer)
    if question.type == QuestionType.TRUE_FALSE:
        return "对" if answer and answer[0] else "错"
    if question.type == QuestionType.FILL:
        blanks = ["|".join(str(a) for a in alternatives) for alternatives in answer]
        separator = "\n" if any(BLANK_SEPARATOR.search(blank) for blank in blanks) else "；"
        return separator.join(blanks)
    return "\n".join(str(point) for point in answer)


def format_score(score: Decimal | None):
    if score is None:
        return None
    score = Decimal(score)
    return int(score) if score == score.to_integral_value() else float(score)


def question_row(question: ParsedQuestion) -> list:
    options = list(question.options or []) + [""] * (len(LETTERS) - len(question.options or []))
    return [
        QuestionType(question.type).label,
        question.stem,
        *options[: len(LETTERS)],
        format_answer(question),
        question.explanation,
        Difficulty(question.difficulty).label,
        question.category_path,
        question.knowledge_point,
        format_score(question.score),
        question.source_note,
    ]


def _append_text_row(sheet, row: list) -> None:
    # A stem that starts with "=" (or + - @) is text, never a formula.
    values = [CONTROL.sub("", v) if isinstance(v, str) else v for v in row]
    sheet.append(xlsx_row(sheet=sheet, values=values))


def _workbook(questions: list[ParsedQuestion], *, with_instructions: bool) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "试题"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for question in questions:
        _append_text_row(sheet, question_row(question))
    widths = [8, 48, *[16] * len(LETTERS), 14, 30, 6, 18, 14, 6, 16]
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "C2"
    if with_instructions:
        notes = workbook.create_sheet("说明")
        for row in INSTRUCTIONS:
            notes.append(list(row))
        notes["A1"].font = notes["B1"].font = Font(bold=True)
        notes.column_dimensions["A"].width = 16
        notes.column_dimensions["B"].width = 100
        for row in notes.iter_rows():
            row[1].alignment = Alignment(wrap_text=True)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export_xlsx(questions: Iterable) -> bytes:
    return _workbook(as_parsed(questions), with_instructions=False)


def export_csv(questions: Iterable) -> bytes:
    """UTF-8 with a BOM, so that Excel on Chinese Windows opens it correctly."""
    output = io.StringIO(newline="")
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for question in as_parsed(questions):
        # Text that starts like a formula gets a leading quote; read_csv takes it off again.
        writer.writerow(csv_row("" if v is None else v for v in question_row(question)))
    return output.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    return _workbook(EXAMPLES, with_instructions=True)


def template_csv() -> bytes:
    return export_csv(EXAMPLES)
