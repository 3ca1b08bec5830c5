"""An import's plan, shared by the preview and the write: what happens to each question (and
each case-analysis material) of a file, the counts the preview shows, and how a file's question
is compared with the bank's. No database access."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from ..bank.answers import LETTERS, format_answer
from ..bank.choices import Difficulty, QuestionType
from ..bank.models import Question
from ..papers.grading import normalise_text
from .base import ImportIssue, ParsedMaterial, ParsedQuestion, Severity
from .formats import FORMATS
from .spreadsheet.template import EXAMPLES

# Formats whose questions have their own identity in the LMS they come from (see build_preview).
KEEP_REPEATED_STEMS = {"moodlexml", "gift", "aiken"}
# What a format cannot say: such a field neither counts as a difference from the bank nor
# overwrites it on update (a GIFT file knows nothing of difficulty, so it keeps the bank's).
NOT_CARRIED = {
    "gift": {"difficulty", "knowledge_point", "score", "source_note"},
    "aiken": {"difficulty", "knowledge_point", "score", "source_note", "explanation"},
}


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


ACTION_LABELS = {
    Action.CREATE: "新建",
    Action.UPDATE: "更新",
    Action.UNCHANGED: "不变",
    Action.SKIP: "跳过",
}


class ImportRefused(Exception):
    """The import cannot be written (errors in the file, or it was already applied)."""


@dataclass
class PlannedQuestion:
    parsed: ParsedQuestion
    category_path: str
    action: str
    existing_id: int | None = None
    existing_code: str = ""
    duplicate_of_line: int | None = None  # within the file: the row this one repeats
    status: str = Question.Status.ACTIVE
    material: "PlannedMaterial | None" = None  # a case-analysis sub-question's material
    note: str = ""  # why it is skipped, when not a duplicate (a template's example row)
    # For an update: what changes, as (field label, the bank's text, the file's text).
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return QuestionType(self.parsed.type).label

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def duplicate_note(self) -> str:
        """What happens to a duplicate, in words, for the preview."""
        if self.note:
            return self.note
        if self.action == Action.SKIP:
            return f"与第 {self.duplicate_of_line} 行题干相同（同一分类），本行跳过"
        if self.action == Action.CREATE and self.duplicate_of_line is not None:
            return f"与第 {self.duplicate_of_line} 行题干相同（同一分类），作为另一道题新建"
        if self.action == Action.UPDATE:
            return f"题库中已有（{self.existing_code}），内容不同，将更新"
        if self.action == Action.UNCHANGED:
            return f"题库中已有（{self.existing_code}），内容相同，不变"
        return ""


@dataclass
class PlannedMaterial:
    """What happens to a file's case-analysis material (and, in `items`, to its sub-questions)."""

    parsed: ParsedMaterial
    category_path: str
    action: str
    existing_id: int | None = None
    existing_code: str = ""
    next_order: int = 1  # the order a new sub-question of an existing material starts at
    items: list[PlannedQuestion] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def note(self) -> str:
        created = sum(1 for item in self.items if item.action == Action.CREATE)
        if self.action == Action.CREATE:
            return f"新建材料，小题 {len(self.items)} 道"
        if self.action == Action.UNCHANGED:
            return f"题库中已有（{self.existing_code}），材料和小题都相同，不变"
        extra = f"，新增小题 {created} 道" if created else ""
        return f"题库中已有（{self.existing_code}），内容不同，将更新{extra}"


@dataclass
class TypeCount:
    type: str
    label: str
    create: int = 0
    update: int = 0
    unchanged: int = 0
    skip: int = 0

    @property
    def total(self) -> int:
        return self.create + self.update + self.unchanged + self.skip


@dataclass
class ImportPreview:
    format: str
    planned: list[PlannedQuestion] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    category_paths: list[str] = field(default_factory=list)  # every category the import needs
    new_categories: list[str] = field(default_factory=list)  # of those, the ones to create
    # Case-analysis materials; their sub-questions are in `planned` too (each with .material).
    materials: list[PlannedMaterial] = field(default_factory=list)
    # Questions read but kept out by an error (shown in the preview beside their errors).
    rejected: list[tuple[ParsedQuestion, str]] = field(default_factory=list)

    def material_count(self, action: str) -> int:
        return sum(1 for material in self.materials if material.action == action)

    @property
    def format_label(self) -> str:
        spec = FORMATS.get(self.format)
        return spec.label if spec else self.format

    @property
    def errors(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == Severity.WARNING]

    @property
    def unsupported(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == Severity.UNSUPPORTED]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def duplicates(self) -> list[PlannedQuestion]:
        return [
            item
            for item in self.planned
            if not item.note
            and (item.action != Action.CREATE or item.duplicate_of_line is not None)
        ]

    @property
    def template_examples(self) -> list[PlannedQuestion]:
        return [item for item in self.planned if item.note]

    def count(self, action: str) -> int:
        return sum(1 for item in self.planned if item.action == action)

    def type_counts(self) -> list[TypeCount]:
        counts = {qtype: TypeCount(qtype.value, qtype.label) for qtype in QuestionType}
        for item in self.planned:
            row = counts[QuestionType(item.parsed.type)]
            setattr(row, item.action, getattr(row, item.action) + 1)
        return [row for row in counts.values() if row.total]

    def totals(self) -> TypeCount:
        total = TypeCount("", "合计")
        for row in self.type_counts():
            for action in (Action.CREATE, Action.UPDATE, Action.UNCHANGED, Action.SKIP):
                setattr(total, action, getattr(total, action) + getattr(row, action))
        return total

    @property
    def unrepresentable(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == Severity.UNREPRESENTABLE]

    def unsupported_counts(self) -> list[tuple[str, int]]:
        return sorted(Counter(issue.question_type for issue in self.unsupported).items())

    def summary_lines(self) -> list[str]:
        """The preview in words (the command prints these; the admin page shows a table)."""
        lines = [f"格式：{self.format_label}"]
        for row in [*self.type_counts(), self.totals()]:
            lines.append(
                f"  {row.label}：新建 {row.create}，更新 {row.update}，"
                f"不变 {row.unchanged}，跳过 {row.skip}"
            )
        if self.materials:
            lines.append(
                f"  案例分析材料：新建 {self.material_count(Action.CREATE)}，"
                f"更新 {self.material_count(Action.UPDATE)}，"
                f"不变 {self.material_count(Action.UNCHANGED)}（小题已计入上面各题型）"
            )
            for material in self.materials:
                lines.append(
                    f"    第 {material.parsed.line} 行 材料“{material.parsed.key}” — {material.note}"
                )
        if self.new_categories:
            lines.append("将新建分类：" + "、".join(self.new_categories))
        if self.template_examples:
            lines.append(
                f"模板示例行，已跳过（{len(self.template_examples)} 道）："
                + "、".join(f"第 {item.parsed.line} 行" for item in self.template_examples)
            )
        if self.duplicates:
            lines.append(f"重复的题目（{len(self.duplicates)} 道）：")
            for item in self.duplicates:
                lines.append(
                    f"  第 {item.parsed.line} 行 [{item.type_label}] "
                    f"{item.parsed.stem[:30]} — {item.duplicate_note}"
                )
        if self.unsupported:
            lines.append(f"不支持的题型，未导入（{len(self.unsupported)} 道）：")
            lines += [f"  {issue}" for issue in self.unsupported]
        if self.unrepresentable:
            lines.append(
                f"无法表示的题目，已跳过（{len(self.unrepresentable)} 道；"
                "加 --strict 则整个文件不导入）："
            )
            lines += [f"  {issue}" for issue in self.unrepresentable]
        if self.warnings:
            lines.append(f"提示（{len(self.warnings)} 条）：")
            lines += [f"  {issue}" for issue in self.warnings]
        if self.errors:
            lines.append(f"错误（{len(self.errors)} 处，改正后才能导入）：")
            lines += [f"  {issue}" for issue in self.errors]
        return lines

    def report(self) -> dict:
        return {
            "format": self.format,
            "counts": {
                row.type: {
                    Action.CREATE: row.create,
                    Action.UPDATE: row.update,
                    Action.UNCHANGED: row.unchanged,
                    Action.SKIP: row.skip,
                }
                for row in self.type_counts()
            },
            "new_categories": self.new_categories,
            "materials": [
                {"line": m.parsed.line, "key": m.parsed.key, "action": m.action, "note": m.note}
                for m in self.materials
            ],
            "duplicates": [
                {"line": item.parsed.line, "action": item.action, "note": item.duplicate_note}
                for item in self.duplicates
            ],
            "template_examples": [item.parsed.line for item in self.template_examples],
            "unsupported": [str(issue) for issue in self.unsupported],
            "unrepresentable": [str(issue) for issue in self.unrepresentable],
            "warnings": [str(issue) for issue in self.warnings],
        }


def stem_key(stem: str) -> str:
    return normalise_text(stem) or (stem or "").strip()


def differs(question: ParsedQuestion, existing: dict, not_carried: set[str]) -> bool:
    source_names = {
        existing["source_note"],
        existing["source__file_name"],
        existing["source__title"],
    }
    checks = {
        "explanation": lambda: (
            (question.explanation or "").strip() != (existing["explanation"] or "").strip()
        ),
        "knowledge_point": lambda: (question.knowledge_point or "") != existing["knowledge_point"],
        "difficulty": lambda: question.difficulty != existing["difficulty"],
        "score": lambda: (
            question.score is not None and Decimal(question.score) != existing["default_score"]
        ),
        "source_note": lambda: (
            bool(question.source_note) and question.source_note not in source_names
        ),
    }
    return (
        question.type != existing["type"]
        or question.stem.strip() != existing["stem"].strip()
        or list(question.options or []) != list(existing["options"] or [])
        or list(question.answer or []) != list(existing["answer"] or [])
        or any(check() for name, check in checks.items() if name not in not_carried)
    )


FIELD_LABELS = {
    "type": "题型",
    "stem": "题干",
    "options": "选项",
    "answer": "答案",
    "explanation": "解析",
    "knowledge_point": "知识点",
    "difficulty": "难度",
    "score": "分值",
    "source_note": "来源",
}


def _shown(name: str, value, qtype: str) -> str:
    """A field's value in the words the question editor uses."""
    if name == "type":
        return QuestionType(value).label if value in QuestionType.values else str(value)
    if name == "options":
        return "\n".join(f"{LETTERS[i]}. {text}" for i, text in enumerate(value or []))
    if name == "answer":
        return format_answer(qtype, list(value or []))
    if name == "difficulty":
        return Difficulty(value).label if value in Difficulty.values else str(value)
    return "" if value is None else str(value).strip()


def changed_fields(
    question: ParsedQuestion, existing: dict, not_carried: set[str]
) -> list[tuple[str, str, str]]:
    """(label, the bank's text, the file's text) for each field an update changes."""
    pairs = {
        "type": (existing["type"], question.type),
        "stem": (existing["stem"], question.stem),
        "options": (existing["options"], question.options),
        "answer": (existing["answer"], question.answer),
        "explanation": (existing["explanation"], question.explanation),
        "knowledge_point": (existing["knowledge_point"], question.knowledge_point),
        "difficulty": (existing["difficulty"], question.difficulty),
        "score": (
            existing["default_score"],
            existing["default_score"] if question.score is None else Decimal(question.score),
        ),
        "source_note": (
            existing["source_note"],
            question.source_note
            if question.source_note
            and question.source_note
            not in {
                existing["source_note"],
                existing["source__file_name"],
                existing["source__title"],
            }
            else existing["source_note"],
        ),
    }
    changes = []
    for name, (old, new) in pairs.items():
        if name in not_carried:
            continue
        before = _shown(name, old, existing["type"])
        after = _shown(name, new, question.type)
        if before != after:
            changes.append((FIELD_LABELS[name], before, after))
    return changes


# The import template's example rows: a file that still holds them is recognised, and they are
# skipped with a note instead of entering the bank as live questions.
def _example_keys() -> set[tuple[str, str]]:
    return {(example.type, stem_key(example.stem)) for example in EXAMPLES}


def is_template_example(question: ParsedQuestion) -> bool:
    return (question.type, stem_key(question.stem)) in _example_keys()


TEMPLATE_EXAMPLE_NOTE = "与导入模板中的示例题相同：这是模板自带的示例行，已跳过（不导入）"


# What a file can say about a question (compared with the bank, written on update).
CONTENT_FIELDS = (
    "type",
    "stem",
    "options",
    "answer",
    "explanation",
    "knowledge_point",
    "difficulty",
    "default_score",
    "source_note",
)
BANK_FIELDS = (
    "pk",
    "code",
    "category__path",
    *CONTENT_FIELDS,
    "source__file_name",
    "source__title",
)
