"""The readable import preview: every question of the file as staff will see it (stem, options with
the key marked, key, explanation, category, type) with its status (新建 / 更新 / 不变 / 跳过 /
错误), what an update changes, and why a question is skipped or refused; filtered by status and
paged for large files. No database access: built from an ImportPreview."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator

from ..bank.answers import LETTERS, format_answer
from ..bank.choices import QuestionType
from .base import ImportIssue, ParsedQuestion, Severity
from .plan import Action, ImportPreview, PlannedQuestion

ERROR = "error"
STATUS_LABELS = {
    Action.CREATE: "新建",
    Action.UPDATE: "更新",
    Action.UNCHANGED: "不变",
    Action.SKIP: "跳过",
    ERROR: "错误",
}
ROWS_PER_PAGE = 50


@dataclass
class ShownOption:
    letter: str
    text: str
    right: bool


@dataclass
class PreviewRow:
    status: str
    line: int | None = None
    type_label: str = ""
    stem: str = ""
    options: list[ShownOption] = field(default_factory=list)
    answer_lines: list[str] = field(default_factory=list)
    explanation: str = ""
    category: str = ""
    material: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def location(self) -> str:
        return f"第 {self.line} 行" if self.line is not None else "整个文件"


def _options(question: ParsedQuestion) -> list[ShownOption]:
    if question.type not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return []
    right = set(question.answer or [])
    return [
        ShownOption(LETTERS[i] if i < len(LETTERS) else str(i + 1), str(text), i in right)
        for i, text in enumerate(question.options or [])
    ]


def _question_row(status: str, question: ParsedQuestion, category: str) -> PreviewRow:
    qtype = question.type
    return PreviewRow(
        status=status,
        line=question.line,
        type_label=QuestionType(qtype).label if qtype in QuestionType.values else qtype,
        stem=question.stem,
        options=_options(question),
        answer_lines=format_answer(qtype, list(question.answer or [])).splitlines()
        if qtype in QuestionType.values
        else [],
        explanation=question.explanation or "",
        category=category,
        material=question.material_key,
    )


def _planned_row(item: PlannedQuestion) -> PreviewRow:
    row = _question_row(item.action, item.parsed, item.category_path)
    row.changes = list(item.changes)
    note = item.duplicate_note
    if item.action == Action.CREATE and item.status != "active":
        note = "；".join(filter(None, [note, "以草稿状态导入"]))
    if note:
        row.notes.append(note)
    return row


def _issue_row(issue: ImportIssue, status: str) -> PreviewRow:
    label = "不支持的题型" if issue.severity == Severity.UNSUPPORTED else ""
    return PreviewRow(status=status, line=issue.line, type_label=label, notes=[issue.message])


def preview_rows(preview: ImportPreview) -> list[PreviewRow]:
    """One row per question of the file (or per problem that has no question), in file order."""
    rows = [_planned_row(item) for item in preview.planned]
    errors_by_line: dict[int | None, list[str]] = {}
    for issue in preview.errors:
        errors_by_line.setdefault(issue.line, []).append(issue.message)
    for question, category in preview.rejected:
        row = _question_row(ERROR, question, category)
        row.notes = errors_by_line.pop(question.line, [])
        rows.append(row)
    for line, messages in errors_by_line.items():
        rows.append(PreviewRow(status=ERROR, line=line, notes=messages))
    rows += [_issue_row(issue, Action.SKIP) for issue in preview.unsupported]
    rows += [_issue_row(issue, Action.SKIP) for issue in preview.unrepresentable]
    warnings: dict[int | None, list[str]] = {}
    for issue in preview.warnings:
        warnings.setdefault(issue.line, []).append(issue.message)
    for row in rows:
        if row.status != ERROR:
            row.notes += [m for m in warnings.get(row.line, []) if m not in row.notes]
    return sorted(rows, key=lambda row: (row.line is None, row.line or 0))


def status_counts(rows: list[PreviewRow]) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the preview's order."""
    return [
        (status, label, sum(1 for row in rows if row.status == status))
        for status, label in STATUS_LABELS.items()
    ]


def rows_page(rows: list[PreviewRow], *, status: str, page: str | int | None) -> Page:
    """The rows of one status (all when empty or unknown), one page of them."""
    if status in STATUS_LABELS:
        rows = [row for row in rows if row.status == status]
    return Paginator(rows, ROWS_PER_PAGE).get_page(page)
