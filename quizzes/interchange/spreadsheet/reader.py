"""Reading a question spreadsheet (XLSX or CSV) into ParsedQuestion objects, every problem of
every row recorded with its row and column (第 7 行 K（答案） 列：…)."""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from portal.spreadsheets import (
    BROKEN_MESSAGE,
    SpreadsheetRefused,
    XlsxSheet,
    csv_text,
    open_xlsx,
)

from ...bank.answers import BLANK, LETTERS, parse_answer, validate_answer_key
from ...bank.choices import Difficulty, QuestionType
from .. import materials
from ..base import FileRejected, ParsedQuestion, ParseResult, check_size
from .columns import (
    BRACKET_BLANK,
    CATEGORY_NAME_MAX,
    DIFFICULTY_WORDS,
    HEADER_LABELS,
    HEADER_SEARCH_ROWS,
    KNOWLEDGE_POINT_MAX,
    MATERIAL_KEY_MAX,
    MAX_ROWS,
    MAX_SCORE,
    OPTION_HEADERS,
    OPTION_LINE,
    REQUIRED,
    SOURCE_NOTE_MAX,
    TYPE_BY_WORD,
    UNDERSCORE_RUN,
    XLSX_LIMITS,
    CellProblem,
    ColumnMap,
    clean_text,
    header_key,
)

GB18030_BOM = b"\x84\x31\x95\x33"
TYPE_HINT = "请填写单选题、多选题、判断题、填空题或简答题。"


# Cell values ------------------------------------------------------------------------------------


def parse_type(text: str) -> str | None:
    word = unicodedata.normalize("NFKC", text).replace(" ", "").lower()
    return TYPE_BY_WORD.get(word)


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


# One row ----------------------------------------------------------------------------------------


class _Row:
    """A data row being read: its cells by column key, and its problems. An unreadable cell
    (formula, error value, date) is reported once; other complaints about it would only repeat."""

    def __init__(self, result: ParseResult, columns: ColumnMap, line: int, values: list):
        self.result, self.columns, self.line, self.values = result, columns, line, values
        self.errors_before = len(result.errors)
        self.unreadable = set()
        for position, value in enumerate(values):
            if isinstance(value, CellProblem):
                result.error(value.message, line, columns.label(position))
                self.unreadable.add(position)

    def cell(self, key: str) -> str:
        position = self.columns.index.get(key)
        if position is None or position >= len(self.values):
            return ""
        return clean_text(self.values[position])

    def fail(self, key: str, message: str) -> None:
        if self.columns.index.get(key) not in self.unreadable:
            self.result.error(message, self.line, self.columns.column(key))

    @property
    def ok(self) -> bool:
        return len(self.result.errors) == self.errors_before

    def optional(self, key: str, parse, default):
        """An optional column's value read by `parse`; its error, if any, recorded."""
        if key not in self.columns.index:
            return default
        try:
            return parse(self.cell(key))
        except ValueError as error:
            self.fail(key, str(error))
            return default

    def limited(self, key: str, label: str, limit: int) -> str:
        text = self.cell(key)
        if len(text) > limit:
            self.fail(key, f"{label}最多 {limit} 个字（现有 {len(text)} 个）。")
        return text


def _type(row: _Row) -> str | None:
    text = row.cell("type")
    if not text:
        row.fail("type", "题型为空：" + TYPE_HINT)
        return None
    qtype = parse_type(text)
    if qtype is None:
        row.fail("type", f"题型“{text}”无法识别：" + TYPE_HINT)
    return qtype


def _options_from_cell(row: _Row, qtype: str | None) -> list[str] | None:
    """The options written one per line in a single 选项 cell ("A. 甲" / "B、乙"), or None when
    the sheet has no such column or the cell is empty."""
    if "options_cell" not in row.columns.index:
        return None
    text = row.cell("options_cell")
    if not text:
        return None
    if qtype not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return []
    lines = [line for line in re.split(r"\n|\s*[|｜]\s*", text) if line.strip()]
    if len(lines) > len(LETTERS):
        row.fail("options_cell", f"选项最多 {len(LETTERS)} 个。")
        return []
    options = []
    for letter, line in zip(LETTERS, lines, strict=False):
        match = OPTION_LINE.match(line)
        if not match or unicodedata.normalize("NFKC", match.group(1)).upper() != letter:
            row.fail(
                "options_cell",
                f"选项单元格中“{line.strip()[:20]}”应以 {letter} 开头"
                "（每行一个选项，如“A. 选项内容”，从 A 起依次排列）。",
            )
            return []
        options.append(match.group(2).strip())
    if len(options) < 2:
        row.fail("options_cell", "选择题至少要有两个选项（选项单元格中每行一个，如“A. …”）。")
    return options


def _options(row: _Row, qtype: str | None) -> list[str]:
    """The options of a choice question: from 选项A on, without gaps (or one per line in a
    single 选项 cell); other types have none."""
    from_cell = _options_from_cell(row, qtype)
    if from_cell is not None:
        return from_cell
    positions = row.columns.option_positions
    texts = [
        clean_text(row.values[p]) if p is not None and p < len(row.values) else ""
        for p in positions
    ]
    last_filled = max((i for i, text in enumerate(texts) if text), default=-1)
    if qtype not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        if qtype is not None and last_filled >= 0:
            row.result.warn(
                f"{QuestionType(qtype).label}不需要选项，已忽略本行的选项列。",
                row.line,
                row.columns.label(positions[last_filled]),
            )
        return []
    for i in range(last_filled + 1):
        if not texts[i] and positions[i] not in row.unreadable:
            where = (
                row.columns.label(positions[i]) if positions[i] is not None else OPTION_HEADERS[i]
            )
            row.result.error(
                f"{OPTION_HEADERS[i]}为空，但后面的选项有内容：选项须从 A 起连续填写。",
                row.line,
                where,
            )
    if last_filled < 1:
        row.fail("type", "选择题至少要填两个选项（选项A、选项B …）。")
    return texts[: last_filled + 1]


def _answer(row: _Row, qtype: str | None, options: list[str], stem: str):
    text = row.cell("answer")
    if not text:
        row.fail("answer", "答案为空。")
        return None
    if qtype is None:
        return None
    try:
        answer = parse_answer(qtype, text, len(options))
    except ValueError as error:
        row.fail("answer", str(error))
        return None
    if stem and row.ok:
        for message in validate_answer_key(qtype, options, answer, stem):
            row.fail("answer", message)
    return answer


def _material_cells(row: _Row) -> tuple[str, str, str] | None:
    """The row's 材料编号, 材料标题 and 材料; None (the problem recorded) when it gives a
    material's text or title without saying which material."""
    key = row.limited("material_key", "材料编号", MATERIAL_KEY_MAX)
    title, text = row.cell("material_title"), row.cell("material")
    if (text or title) and not key:
        row.fail(
            "material" if text else "material_title",
            "填写了材料，但没有“材料编号”：同一材料的各行（材料与它的小题）要填相同的材料编号。",
        )
        return None
    return key, title, text


def _declares_material_only(row: _Row) -> bool:
    """A row that names a material and holds no question (its text, before its sub-questions)."""
    positions = [p for p in row.columns.option_positions if p is not None]
    options = any(p < len(row.values) and clean_text(row.values[p]) for p in positions)
    return not options and not any(row.cell(key) for key in ("type", "stem", "answer"))


def parse_row(
    result: ParseResult, columns: ColumnMap, line: int, values: list[str | None]
) -> ParsedQuestion | None:
    """One data row → a question, or None after recording every problem of the row (or after
    declaring a material, for a row that holds only a material)."""
    row = _Row(result, columns, line, values)
    material = _material_cells(row)
    if material and material[0] and _declares_material_only(row):
        key, title, text = material
        materials.declare(result, key=key, text=text, title=title, line=line)
        return None
    qtype = _type(row)
    stem = row.cell("stem")
    if not stem:
        row.fail("stem", "题干为空。")
    if qtype == QuestionType.FILL:
        stem = UNDERSCORE_RUN.sub(BLANK, stem)
        if BLANK not in stem:
            stem = BRACKET_BLANK.sub(BLANK, stem)
    options = _options(row, qtype)
    answer = _answer(row, qtype, options, stem)
    difficulty = row.optional("difficulty", parse_difficulty, Difficulty.MEDIUM)
    score = row.optional("score", parse_score, None)
    category = row.optional("category", parse_category, "")
    knowledge_point = row.limited("knowledge_point", "知识点", KNOWLEDGE_POINT_MAX)
    source_note = row.limited("source", "来源", SOURCE_NOTE_MAX)
    if not row.ok or material is None:
        return None
    key, title, text = material
    return ParsedQuestion(
        type=str(qtype),
        stem=stem,
        options=options,
        answer=answer,
        explanation=row.cell("explanation"),
        category_path=category,
        knowledge_point=knowledge_point,
        difficulty=int(difficulty),
        score=score,
        source_note=source_note,
        line=line,
        material_key=key,
        material_title=title,
        material_text=text,
    )


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
    materials.gather(result)
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
