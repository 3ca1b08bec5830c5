"""The columns of a question spreadsheet: headers and the spellings we accept for them, question
type and difficulty words, limits, and finding which column holds what."""

import re
import unicodedata
from decimal import Decimal

from openpyxl.utils import get_column_letter

from portal.spreadsheets import XlsxLimits

from ...bank.answers import LETTERS
from ...bank.choices import Difficulty, QuestionType
from ..base import MAX_IMPORT_BYTES

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
    "材料编号",
    "材料标题",
    "材料",
]
REQUIRED = ("type", "stem", "answer")
# Column key → accepted header spellings (compared after normalise_header).
HEADER_ALIASES = {
    "type": ["题型", "题目类型", "试题类型", "类型"],
    "stem": ["题干", "题目", "题目内容", "试题内容", "问题", "试题题干", "题目描述"],
    "answer": ["答案", "正确答案", "标准答案", "参考答案", "试题答案"],
    "explanation": ["解析", "答案解析", "试题解析", "解题思路"],
    "difficulty": ["难度", "难易度", "难易程度", "试题难度"],
    "category": ["分类", "题库分类", "试题分类", "类别", "所属题库"],
    # ExamStack- and PHPEMS-style exports put every option in one cell, one per line ("A. …").
    "options_cell": ["选项", "试题选项", "选项内容", "备选项"],
    "knowledge_point": ["知识点"],
    "score": ["分值", "分数", "默认分值"],
    "source": ["来源", "出处", "试题来源"],
    "material_key": ["材料编号", "材料号", "案例材料编号"],
    "material_title": ["材料标题"],
    "material": ["材料", "材料内容", "案例材料", "材料文字"],
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
    "material_key": "材料编号",
    "material_title": "材料标题",
    "material": "材料",
    "options_cell": "选项",
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
# Blanks typed as a run of underscores of any length count as one blank (grading wants ____).
UNDERSCORE_RUN = re.compile(r"[_＿]{3,}")
# Chinese exam systems mark a fill-in blank with empty brackets: （ ）, ( ), 【 】, [ ].
BRACKET_BLANK = re.compile(r"[（(]\s*[)）]|【\s*】|\[\s*\]")
# One option per line in a single 选项 cell: "A. …", "A、…", "A：…", "(A) …".
OPTION_LINE = re.compile(r"^\s*[(（]?([A-Ha-hＡ-Ｈａ-ｈ])[)）]?\s*[.．、:：)）]?\s*(.*)$")
# Control characters cannot be stored in an XLSX cell and never belong in a question.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MAX_ROWS = 10_000
MAX_SCORE = Decimal("999.99")
KNOWLEDGE_POINT_MAX = 100
SOURCE_NOTE_MAX = 200
CATEGORY_NAME_MAX = 100
MATERIAL_KEY_MAX = 50
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
