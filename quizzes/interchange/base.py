"""The neutral shape every question-file reader produces and every writer consumes.

Readers (xlsx/csv, Moodle XML, GIFT, Aiken) never touch the database: they turn bytes into
ParsedQuestion objects plus a list of ImportIssue, so the preview can show every problem at once and
the write can happen in one transaction afterwards (see importing.py).
"""

from dataclasses import dataclass, field
from decimal import Decimal

# Every reader refuses a larger file before parsing it (the admin checks the upload's size before
# reading it into memory, the command the file's size on disk).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
TOO_LARGE_MESSAGE = "文件太大：导入的文件须小于 20 MB，请拆分成几个文件分批导入。"


def check_size(size: int) -> None:
    """FileRejected when a file of `size` bytes is too large to import."""
    if size >= MAX_IMPORT_BYTES:
        raise FileRejected(TOO_LARGE_MESSAGE)


class Severity:
    ERROR = "error"  # the file cannot be imported until this is fixed
    UNSUPPORTED = "unsupported"  # a question of a type we do not have: reported, not imported
    WARNING = "warning"  # imported, but something was adapted (shown in the preview)
    # A question of a type we have, which this one cannot be (a short answer whose only full-mark
    # answer is a wildcard): skipped and named, as an unsupported type is, unless the import is
    # strict (then it is an error and nothing is imported).
    UNREPRESENTABLE = "unrepresentable"


SEVERITY_LABELS = {
    Severity.ERROR: "错误",
    Severity.UNSUPPORTED: "不支持",
    Severity.WARNING: "提示",
    Severity.UNREPRESENTABLE: "无法表示",
}


@dataclass
class ImportIssue:
    message: str  # Chinese, for the editor
    line: int | None = None  # 1-based row (spreadsheets) or line (text formats)
    column: str | None = None  # spreadsheet column letter and/or header, or XML element name
    severity: str = Severity.ERROR
    question_type: str = ""  # for UNSUPPORTED: the foreign type name as the file calls it

    @property
    def location(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"第 {self.line} 行")
        if self.column:
            parts.append(f"{self.column} 列")
        return " ".join(parts) or "整个文件"

    def __str__(self) -> str:
        return f"{self.location}：{self.message}"


@dataclass
class ParsedQuestion:
    """One question as read from a file, in our model's terms (see Question.answer's shapes)."""

    type: str  # a QuestionType value
    stem: str
    options: list[str] = field(default_factory=list)
    # single: [index]; multiple: [indices]; truefalse: [bool]; fill: [[alternatives], …];
    # short: [key points] (may be empty for an imported essay: then the key is filled in on marking)
    answer: list = field(default_factory=list)
    explanation: str = ""
    category_path: str = ""  # "a/b/c"; empty means the importer's default category
    knowledge_point: str = ""
    difficulty: int = 2  # Difficulty value
    score: Decimal | None = None  # None: the model default
    source_note: str = ""  # 来源 as the file states it (free text)
    title: str = ""  # Moodle question name, kept for the report and for export
    line: int | None = None  # where the question starts in the file
    # A case-analysis sub-question: the material it belongs to, as the file names it (a
    # spreadsheet's 材料编号, our Moodle category), and the material's text and title as given
    # with this question (a spreadsheet gives them on one row of the material's rows).
    material_key: str = ""
    material_text: str = ""
    material_title: str = ""


@dataclass
class ParsedMaterial:
    """A case-analysis material as read from a file: its text and its sub-questions, in order."""

    key: str  # the file's name for it (材料编号); an export writes the material's code
    text: str = ""
    title: str = ""
    line: int | None = None  # where it starts in the file
    questions: list[ParsedQuestion] = field(default_factory=list)

    @property
    def category_path(self) -> str:
        return self.questions[0].category_path if self.questions else ""


@dataclass
class ParseResult:
    format: str  # "xlsx", "csv", "moodlexml", "gift", "aiken"
    questions: list[ParsedQuestion] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    # Category paths the file declares, including empty ones (Moodle XML category records).
    categories: list[str] = field(default_factory=list)
    # Case-analysis materials with their sub-questions (which are not in `questions`).
    materials: list[ParsedMaterial] = field(default_factory=list)

    def all_questions(self) -> list[ParsedQuestion]:
        """Every question read: the single ones, then each material's sub-questions."""
        return [*self.questions, *(q for m in self.materials for q in m.questions)]

    @property
    def errors(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == Severity.ERROR]

    @property
    def unsupported(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == Severity.UNSUPPORTED]

    @property
    def unrepresentable(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == Severity.UNREPRESENTABLE]

    def error(self, message: str, line: int | None = None, column: str | None = None) -> None:
        self.issues.append(ImportIssue(message, line, column, Severity.ERROR))

    def warn(self, message: str, line: int | None = None, column: str | None = None) -> None:
        self.issues.append(ImportIssue(message, line, column, Severity.WARNING))

    def skip_unsupported(self, type_name: str, line: int | None, title: str = "") -> None:
        label = f"“{title}”" if title else ""
        self.issues.append(
            ImportIssue(
                f"题型 {type_name} 本平台不支持，题目{label}未导入。",
                line,
                None,
                Severity.UNSUPPORTED,
                type_name,
            )
        )

    def cannot_represent(self, message: str, line: int | None, title: str = "") -> None:
        """This question cannot be held by the platform: skipped (the rest imports), named."""
        label = f"“{title}”" if title else ""
        self.issues.append(
            ImportIssue(
                f"题目{label}无法导入：{message}",
                line,
                None,
                Severity.UNREPRESENTABLE,
                "无法表示",
            )
        )


def make_strict(issues: list[ImportIssue]) -> list[ImportIssue]:
    """--strict: a question that cannot be represented stops the whole import."""
    return [
        ImportIssue(
            f"{issue.message}（严格模式：整个文件不导入）", issue.line, issue.column, Severity.ERROR
        )
        if issue.severity == Severity.UNREPRESENTABLE
        else issue
        for issue in issues
    ]


class FileRejected(Exception):
    """The whole file is unreadable (wrong type, truncated, encrypted, too large): one message."""
