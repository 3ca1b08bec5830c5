"""From a parsed file to the bank: the preview (what would happen) and the write (all or nothing).

A question counts as a duplicate when its stem, normalised as grading compares free text (width,
case, punctuation, spaces, Traditional/Simplified), equals another's in the same category. Against
the bank, a duplicate updates the existing question if the file says something different, and is
left alone otherwise; within the file, the later row is skipped. Case-analysis materials and their
sub-questions are matched and written by material_import.py.
"""

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.search.backends import get_search_backend

from ..bank.answers import validate_answer_key
from ..bank.choices import Difficulty, QuestionType
from ..bank.models import Question, QuestionCategory, QuestionImport
from ..imports.services import record_import, snapshot
from .base import (
    ImportIssue,
    ParsedMaterial,
    ParsedQuestion,
    ParseResult,
    Severity,
    make_strict,
)
from .material_import import plan_materials, write_materials
from .plan import (
    BANK_FIELDS,
    CONTENT_FIELDS,
    KEEP_REPEATED_STEMS,
    NOT_CARRIED,
    TEMPLATE_EXAMPLE_NOTE,
    Action,
    ImportPreview,
    ImportRefused,
    PlannedQuestion,
    changed_fields,
    differs,
    is_template_example,
    stem_key,
)

DEFAULT_CATEGORY = "导入试题"
CATEGORY_NAME_MAX = 100
CATEGORY_PATH_MAX = 500
KNOWLEDGE_POINT_MAX = 100
SOURCE_NOTE_MAX = 200
MAX_SCORE = Decimal("999.99")
BULK_BATCH = 500
# Preview ----------------------------------------------------------------------------------------


def join_path(*parts: str) -> str:
    names = [name.strip() for part in parts for name in (part or "").split("/") if name.strip()]
    return "/".join(names)


def category_problem(path: str) -> str:
    names = path.split("/")
    if any(len(name) > CATEGORY_NAME_MAX for name in names):
        return f"分类“{path[:40]}”中有名称超过 {CATEGORY_NAME_MAX} 个字。"
    if len(path) > CATEGORY_PATH_MAX:
        return f"分类路径超过 {CATEGORY_PATH_MAX} 个字。"
    return ""


def question_problems(question: ParsedQuestion) -> list[str]:
    """What keeps a parsed question out of the bank (readers check most of it already)."""
    if question.type not in QuestionType.values:
        return [f"题型“{question.type}”无效。"]
    problems = []
    if not (question.stem or "").strip():
        problems.append("题干为空。")
    if not (question.type == QuestionType.SHORT and not question.answer):
        problems += validate_answer_key(
            question.type, question.options, question.answer, question.stem or ""
        )
    if len(question.knowledge_point or "") > KNOWLEDGE_POINT_MAX:
        problems.append(f"知识点最多 {KNOWLEDGE_POINT_MAX} 个字。")
    if len(question.source_note or "") > SOURCE_NOTE_MAX:
        problems.append(f"来源最多 {SOURCE_NOTE_MAX} 个字。")
    if question.difficulty not in Difficulty.values:
        problems.append("难度只能是易、中、难。")
    if question.score is not None and not (Decimal(0) < Decimal(question.score) <= MAX_SCORE):
        problems.append(f"分值应大于 0 且不超过 {MAX_SCORE}。")
    return problems


def _candidates(
    result: ParseResult, preview: ImportPreview, final_path
) -> list[tuple[ParsedQuestion, str]]:
    """The file's questions that may enter the bank, with their final category; the others'
    problems go into the preview."""
    candidates = []
    for question in result.questions:
        path = final_path(question.category_path)
        if is_template_example(question):
            preview.planned.append(
                PlannedQuestion(question, path, Action.SKIP, note=TEMPLATE_EXAMPLE_NOTE)
            )
            continue
        problems = question_problems(question)
        if problem := category_problem(path):
            problems.append(problem)
        for message in problems:
            preview.issues.append(ImportIssue(message, question.line, None, Severity.ERROR))
        if problems:
            preview.rejected.append((question, path))
        else:
            candidates.append((question, path))
    return candidates


def _material_candidates(
    result: ParseResult, preview: ImportPreview, final_path
) -> list[tuple[ParsedMaterial, str]]:
    """The file's materials that may enter the bank (every sub-question valid), with the category
    their sub-questions go to; the others' problems go into the preview, naming the material."""
    candidates = []
    for material in result.materials:
        path = final_path(material.category_path)
        if material.questions and all(is_template_example(q) for q in material.questions):
            preview.planned += [
                PlannedQuestion(question, path, Action.SKIP, note=TEMPLATE_EXAMPLE_NOTE)
                for question in material.questions
            ]
            continue
        problems = [
            (question.line, f"材料“{material.key}”的小题：{message}")
            for question in material.questions
            for message in question_problems(question)
        ]
        if problem := category_problem(path):
            problems.append((material.line, problem))
        for line, message in problems:
            preview.issues.append(ImportIssue(message, line, None, Severity.ERROR))
        if problems:
            preview.rejected += [(question, path) for question in material.questions]
        if not problems and material.questions and material.text.strip():
            candidates.append((material, path))
    return candidates


def _plan_categories(result: ParseResult, preview: ImportPreview, candidates, final_path) -> None:
    """Every category the import needs (the questions' and the file's empty ones), and which of
    them (or their ancestors) must be created."""
    declared = [final_path(path) for path in result.categories if join_path(path)]
    for path in declared:
        if problem := category_problem(path):
            preview.issues.append(ImportIssue(problem, None, None, Severity.ERROR))
    paths = sorted(
        {path for _, path in candidates} | {p for p in declared if not category_problem(p)}
    )
    preview.category_paths = paths
    wanted = {
        join_path(*path.split("/")[: depth + 1])
        for path in paths
        for depth in range(len(path.split("/")))
    }
    existing_paths = set(
        QuestionCategory.objects.filter(path__in=wanted).values_list("path", flat=True)
    )
    preview.new_categories = sorted(wanted - existing_paths)


def _bank_by_stem(paths: list[str]) -> dict[tuple[str, str], list[dict]]:
    """The bank's questions in these categories, by (category, normalised stem), oldest first."""
    bank: dict[tuple[str, str], list[dict]] = {}
    if not paths:
        return bank
    # A material's sub-questions are matched within their material (material_import.py).
    rows = (
        Question.objects.filter(category__path__in=paths, material__isnull=True)
        .order_by("pk")
        .values(*BANK_FIELDS)
    )
    for row in rows:
        bank.setdefault((row["category__path"], stem_key(row["stem"])), []).append(row)
    return bank


def _warn(preview: ImportPreview, message: str, line: int | None) -> None:
    preview.issues.append(ImportIssue(message, line, None, Severity.WARNING))


def _plan(question, path, *, earlier, matches, new_status, result, preview) -> PlannedQuestion:
    """What happens to one question: update or keep the n-th bank question with its stem, skip a
    repeated spreadsheet row, or create it."""
    status = new_status
    if question.type == QuestionType.SHORT and not question.answer:
        status = Question.Status.DRAFT
        _warn(preview, "简答题没有答题要点：以草稿状态导入，请补充要点后再启用。", question.line)
    if len(earlier) < len(matches):
        existing = matches[len(earlier)]
        not_carried = NOT_CARRIED.get(result.format, set())
        changed = differs(question, existing, not_carried)
        action = Action.UPDATE if changed else Action.UNCHANGED
        return PlannedQuestion(
            question,
            path,
            action,
            existing_id=existing["pk"],
            existing_code=existing["code"],
            changes=changed_fields(question, existing, not_carried) if changed else [],
        )
    if earlier and result.format not in KEEP_REPEATED_STEMS:
        _warn(preview, f"与第 {earlier[0]} 行的题干相同（同一分类），本行跳过。", question.line)
        return PlannedQuestion(question, path, Action.SKIP, duplicate_of_line=earlier[0])
    item = PlannedQuestion(question, path, Action.CREATE, status=status)
    if earlier:
        item.duplicate_of_line = earlier[0]
        _warn(
            preview,
            f"与第 {earlier[0]} 行的题干相同（同一分类），按原文件作为另一道题导入。",
            question.line,
        )
    return item


def build_preview(
    result: ParseResult,
    *,
    default_category_path: str = DEFAULT_CATEGORY,
    category_prefix: str = "",
    new_status: str = Question.Status.ACTIVE,
    strict: bool = False,
) -> ImportPreview:
    """What importing `result` would do, with every problem; reads the bank, writes nothing.
    A question the platform cannot represent is skipped and named, or with `strict` an error."""
    issues = make_strict(result.issues) if strict else list(result.issues)
    preview = ImportPreview(format=result.format, issues=issues)
    prefix = join_path(category_prefix)
    default = join_path(default_category_path) or DEFAULT_CATEGORY

    def final_path(path: str) -> str:
        path = join_path(path)
        if prefix:
            return join_path(prefix, path)
        return path or default

    candidates = _candidates(result, preview, final_path)
    materials = _material_candidates(result, preview, final_path)
    _plan_categories(result, preview, [*candidates, *materials], final_path)
    bank = _bank_by_stem(preview.category_paths)
    # The n-th question of the file with a given stem matches the n-th such question of the bank,
    # so a bank that holds the same stem twice in one category round-trips. Beyond those, a
    # spreadsheet row that repeats an earlier row is skipped; files from Moodle keep every
    # question, as Moodle does (they name each one), with a warning.
    seen: dict[tuple[str, str], list[int | None]] = {}
    for question, path in candidates:
        key = (path, stem_key(question.stem))
        earlier = seen.setdefault(key, [])
        preview.planned.append(
            _plan(
                question,
                path,
                earlier=earlier,
                matches=bank.get(key, []),
                new_status=new_status,
                result=result,
                preview=preview,
            )
        )
        earlier.append(question.line)
    plan_materials(preview, materials, new_status=new_status, fmt=result.format)
    return preview


# Writing ----------------------------------------------------------------------------------------


def ensure_categories(paths: Iterable[str]) -> dict[str, QuestionCategory]:
    """Every category of `paths` and their ancestors, creating the missing ones level by level
    (a few queries per level, however many questions)."""
    wanted: set[str] = set()
    for path in paths:
        names = path.split("/")
        wanted |= {"/".join(names[: depth + 1]) for depth in range(len(names))}
    by_path = {c.path: c for c in QuestionCategory.objects.filter(path__in=wanted)}
    for depth in sorted({path.count("/") for path in wanted}):
        missing = sorted(p for p in wanted if p.count("/") == depth and p not in by_path)
        if not missing:
            continue
        QuestionCategory.objects.bulk_create(
            [
                QuestionCategory(
                    path=path,
                    name=path.rsplit("/", 1)[-1],
                    parent=by_path[path.rsplit("/", 1)[0]] if depth else None,
                )
                for path in missing
            ],
            ignore_conflicts=True,  # another import may have created one a moment ago
        )
        by_path.update({c.path: c for c in QuestionCategory.objects.filter(path__in=missing)})
    return by_path


PENDING_KEPT_FOR = timedelta(days=1)


def hold_upload(
    *, file_name: str, file_format: str, by, options: dict, data: bytes
) -> QuestionImport:
    """Keep a valid upload (in the database, so any app server can finish it) until the editor
    confirms its preview; uploads left unconfirmed for a day are dropped."""
    QuestionImport.objects.filter(
        status=QuestionImport.Status.PENDING,
        created_at__lt=timezone.now() - PENDING_KEPT_FOR,
    ).delete()
    return QuestionImport.objects.create(
        file_name=file_name[:255], format=file_format, created_by=by, options=options, data=data
    )


def pending_upload(*, token: str, user) -> QuestionImport | None:
    """The upload this token names, if `user` made it (anyone else's is as good as missing)."""
    return QuestionImport.objects.filter(token=token, created_by=user).first()


def _claim(batch: QuestionImport) -> None:
    """Mark a pending batch as applied, once: a second confirmation finds nothing to claim."""
    claimed = QuestionImport.objects.filter(
        pk=batch.pk, status=QuestionImport.Status.PENDING
    ).update(status=QuestionImport.Status.APPLIED)
    if not claimed:
        raise ImportRefused("这个文件已经导入过了，没有重复导入。")


def _free_codes(batch: QuestionImport, count: int):
    """Codes imp-<batch>-<n> for `count` new questions, skipping any already taken."""
    taken = set(
        Question.objects.filter(code__startswith=f"imp-{batch.pk}-").values_list("code", flat=True)
    )
    codes = (f"imp-{batch.pk}-{n}" for n in range(1, count + len(taken) + 1))
    return (code for code in codes if code not in taken)


def _create(preview: ImportPreview, batch: QuestionImport, categories) -> list[Question]:
    """The new single questions (a material's new sub-questions: material_import.py)."""
    creating = [
        item for item in preview.planned if item.action == Action.CREATE and item.material is None
    ]
    codes = _free_codes(batch, len(creating))
    return Question.objects.bulk_create(
        [
            Question(
                code=next(codes),
                type=item.parsed.type,
                stem=item.parsed.stem,
                options=list(item.parsed.options or []),
                answer=list(item.parsed.answer or []),
                explanation=item.parsed.explanation or "",
                category=categories[item.category_path],
                knowledge_point=item.parsed.knowledge_point or "",
                difficulty=item.parsed.difficulty,
                default_score=item.parsed.score if item.parsed.score is not None else 1,
                status=item.status,
                source_note=item.parsed.source_note or "",
                import_batch=batch,
            )
            for item in creating
        ],
        batch_size=BULK_BATCH,
    )


UPDATED_FIELDS = [*CONTENT_FIELDS, "updated_at"]


def _apply_parsed(question: Question, parsed: ParsedQuestion, not_carried: set[str], now) -> None:
    """The file's version of a bank question; what the format cannot say keeps the bank's."""
    question.type = parsed.type
    question.stem = parsed.stem
    question.options = list(parsed.options or [])
    question.answer = list(parsed.answer or [])
    if "explanation" not in not_carried:
        question.explanation = parsed.explanation or ""
    if "knowledge_point" not in not_carried:
        question.knowledge_point = parsed.knowledge_point or ""
    if "difficulty" not in not_carried:
        question.difficulty = parsed.difficulty
    if parsed.score is not None:
        question.default_score = parsed.score
    source = question.source
    if parsed.source_note and parsed.source_note not in {
        question.source_note,
        getattr(source, "file_name", None),
        getattr(source, "title", None),
    }:
        question.source_note = parsed.source_note
    question.updated_at = now


def _update(preview: ImportPreview, now) -> tuple[list[Question], dict]:
    updating = {item.existing_id: item for item in preview.planned if item.action == Action.UPDATE}
    updated = list(
        Question.objects.filter(pk__in=updating).select_related("source").defer("source__text")
    )
    not_carried = NOT_CARRIED.get(preview.format, set())
    previous = snapshot(updated)
    for question in updated:
        _apply_parsed(question, updating[question.pk].parsed, not_carried, now)
    Question.objects.bulk_update(updated, UPDATED_FIELDS, batch_size=BULK_BATCH)
    return updated, previous


def _record_batch(
    batch, preview: ImportPreview, created, updated, filename: str, now, materials=((), ())
) -> None:
    batch.format = preview.format
    batch.status = QuestionImport.Status.APPLIED
    batch.applied_at = now
    batch.data = b""
    batch.created_count = len(created)
    batch.updated_count = len(updated)
    batch.unchanged_count = preview.count(Action.UNCHANGED)
    batch.skipped_count = preview.count(Action.SKIP)
    batch.report = {
        **preview.report(),
        "created": [question.code for question in created],
        "updated": sorted(question.code for question in updated),
        "materials_created": [material.code for material in materials[0]],
        "materials_updated": sorted(material.code for material in materials[1]),
    }
    if filename:
        batch.file_name = filename[:255]
    batch.save()


def apply_import(
    preview: ImportPreview,
    *,
    user=None,
    filename: str = "",
    batch: QuestionImport | None = None,
    sha256: str = "",
) -> QuestionImport:
    """Write the previewed import in one transaction, with its history record (the file's
    `sha256`, what it created and updated); ImportRefused if the file has errors (or a pending
    `batch` was applied already). Bulk queries only: their number does not grow with the number
    of questions."""
    if preview.errors:
        raise ImportRefused(f"文件有 {len(preview.errors)} 处错误，未导入任何试题。")
    with transaction.atomic():
        if batch is not None:
            _claim(batch)
        else:
            batch = QuestionImport.objects.create(
                file_name=filename[:255],
                format=preview.format,
                created_by=user if getattr(user, "pk", None) else None,
                status=QuestionImport.Status.APPLIED,
            )
        categories = ensure_categories(preview.category_paths)
        now = timezone.now()
        created = _create(preview, batch, categories)
        new_materials, changed_materials, subquestions = write_materials(
            preview, batch, categories, now
        )
        created += subquestions
        updated, previous = _update(preview, now)
        if created or updated:
            # bulk_create and bulk_update send no signals: keep Wagtail's search index current.
            get_search_backend().add_bulk(Question, [*created, *updated])
        _record_batch(
            batch,
            preview,
            created,
            updated,
            filename,
            now,
            materials=(new_materials, changed_materials),
        )
        record_import(
            batch=batch,
            sha256=sha256,
            created=created,
            updated=updated,
            created_materials=new_materials,
            previous=previous,
        )
    return batch


# Export selection -------------------------------------------------------------------------------


def questions_for_export(
    *,
    category: QuestionCategory | None = None,
    qtype: str = "",
    status: str = "",
    difficulty: int | None = None,
) -> QuerySet[Question]:
    """The bank, or the part of it matching the filters (a category includes its subtree)."""
    questions = (
        Question.objects.select_related("category", "source", "material")
        .defer("source__text")  # the whole source document is not needed, only its name
        # A material's sub-questions together, in their order.
        .order_by("category__path", Coalesce("material__code", "code"), "material_order", "code")
    )
    if category is not None:
        questions = questions.in_category(category)
    if qtype:
        questions = questions.filter(type=qtype)
    if status:
        questions = questions.filter(status=status)
    if difficulty:
        questions = questions.filter(difficulty=difficulty)
    return questions
