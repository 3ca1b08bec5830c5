"""Case-analysis materials in an import: which bank material each file material is (same category
and the same code, or the same text), what happens to it and to each of its sub-questions, and
writing them (materials first, then their new sub-questions). Called by importing.py.

A file's sub-question is matched within its material by its stem (the n-th sub-question of a stem
with the n-th of the bank's), never against the category's other questions: two materials may
well both ask "材料暴露出的主要问题是什么？".
"""

from dataclasses import dataclass, field

from ..bank.choices import MIN_SUBQUESTIONS
from ..bank.models import Material, Question, QuestionImport
from ..bank.services import subquestion_codes
from .base import ImportIssue, ParsedMaterial, Severity
from .plan import (
    BANK_FIELDS,
    NOT_CARRIED,
    Action,
    ImportPreview,
    PlannedMaterial,
    PlannedQuestion,
    changed_fields,
    differs,
    stem_key,
)

MATERIAL_FIELDS = ("pk", "code", "title", "text", "category__path")


@dataclass
class _BankMaterial:
    row: dict
    subquestions: list[dict] = field(default_factory=list)
    taken: bool = False

    @property
    def next_order(self) -> int:
        return max((sub["material_order"] or 0 for sub in self.subquestions), default=0) + 1


def _bank_materials(paths: list[str]) -> dict[str, list[_BankMaterial]]:
    """The bank's materials in these categories with their sub-questions (two queries)."""
    found: dict[str, list[_BankMaterial]] = {}
    if not paths:
        return found
    by_pk = {}
    for row in (
        Material.objects.filter(category__path__in=paths).order_by("pk").values(*MATERIAL_FIELDS)
    ):
        by_pk[row["pk"]] = _BankMaterial(row)
        found.setdefault(row["category__path"], []).append(by_pk[row["pk"]])
    subquestions = (
        Question.objects.filter(material_id__in=list(by_pk))
        .order_by("material_order", "pk")
        .values(*BANK_FIELDS, "material_id", "material_order")
    )
    for row in subquestions:
        by_pk[row["material_id"]].subquestions.append(row)
    return found


def _match(material: ParsedMaterial, candidates: list[_BankMaterial]) -> _BankMaterial | None:
    """The bank material this one is: the same code, else the same text (in its category)."""
    free = [bank for bank in candidates if not bank.taken]
    by_code = next((bank for bank in free if bank.row["code"] == material.key), None)
    if by_code is not None:
        return by_code
    text = stem_key(material.text)
    return next((bank for bank in free if stem_key(bank.row["text"]) == text), None)


def _plan_items(material: ParsedMaterial, path, bank, new_status, fmt) -> list[PlannedQuestion]:
    by_stem: dict[str, list[dict]] = {}
    for row in bank.subquestions if bank else []:
        by_stem.setdefault(stem_key(row["stem"]), []).append(row)
    seen: dict[str, int] = {}
    items = []
    for question in material.questions:
        key = stem_key(question.stem)
        matches, earlier = by_stem.get(key, []), seen.get(key, 0)
        seen[key] = earlier + 1
        if earlier < len(matches):
            existing = matches[earlier]
            not_carried = NOT_CARRIED.get(fmt, set())
            changed = differs(question, existing, not_carried)
            items.append(
                PlannedQuestion(
                    question,
                    path,
                    Action.UPDATE if changed else Action.UNCHANGED,
                    existing_id=existing["pk"],
                    existing_code=existing["code"],
                    changes=changed_fields(question, existing, not_carried) if changed else [],
                )
            )
        else:
            status = new_status
            if question.type == "short" and not question.answer:
                status = Question.Status.DRAFT
            items.append(PlannedQuestion(question, path, Action.CREATE, status=status))
    return items


def _refuse_short_material(preview: ImportPreview, material: ParsedMaterial, path: str) -> None:
    """A new material needs MIN_SUBQUESTIONS sub-questions (a file may add one sub-question to a
    material already in the bank, as an export filtered by type gives back)."""
    message = (
        f"材料“{material.key}”只有 {len(material.questions)} 道小题，新材料至少要有 "
        f"{MIN_SUBQUESTIONS} 道：请补充小题，或把它改为普通试题（清空材料编号）。"
    )
    preview.issues.append(ImportIssue(message, material.line, None, Severity.ERROR))
    preview.rejected += [(question, path) for question in material.questions]


def plan_materials(
    preview: ImportPreview,
    materials: list[tuple[ParsedMaterial, str]],
    *,
    new_status: str,
    fmt: str,
) -> None:
    """Add each material (with the category its sub-questions go to) and its sub-questions to
    the preview: created, updated or unchanged."""
    bank = _bank_materials(sorted({path for _, path in materials}))
    for material, path in materials:
        existing = _match(material, bank.get(path, []))
        if existing is None and len(material.questions) < MIN_SUBQUESTIONS:
            _refuse_short_material(preview, material, path)
            continue
        items = _plan_items(material, path, existing, new_status, fmt)
        if existing is None:
            action = Action.CREATE
        else:
            existing.taken = True
            changed = material.text.strip() != existing.row["text"].strip() or (
                material.title and material.title != existing.row["title"]
            )
            stays = all(item.action == Action.UNCHANGED for item in items)
            action = Action.UNCHANGED if stays and not changed else Action.UPDATE
        planned = PlannedMaterial(
            material,
            path,
            action,
            existing_id=existing.row["pk"] if existing else None,
            existing_code=existing.row["code"] if existing else "",
            next_order=existing.next_order if existing else 1,
        )
        for item in items:
            item.material = planned
        planned.items = items
        preview.materials.append(planned)
        preview.planned.extend(items)


# Writing ----------------------------------------------------------------------------------------


def _free_material_codes(batch: QuestionImport, count: int) -> list[str]:
    taken = set(
        Material.objects.filter(code__startswith=f"imp-{batch.pk}-m").values_list("code", flat=True)
    )
    codes, number = [], 0
    while len(codes) < count:
        number += 1
        if f"imp-{batch.pk}-m{number}" not in taken:
            codes.append(f"imp-{batch.pk}-m{number}")
    return codes


def write_materials(
    preview: ImportPreview, batch: QuestionImport, categories, now
) -> tuple[list[Material], list[Material], list[Question]]:
    """Create the new materials, update the changed ones' text and title, and create every new
    sub-question (codes <material code>-<n>, after the material's last one). Returns the
    materials created, those updated and the sub-questions created; the changed sub-questions
    are updated with every other question (importing._update)."""
    creating = [m for m in preview.materials if m.action == Action.CREATE]
    codes = iter(_free_material_codes(batch, len(creating)))
    created = Material.objects.bulk_create(
        [
            Material(
                code=next(codes),
                title=(planned.parsed.title or planned.parsed.text[:30]).strip(),
                text=planned.parsed.text.strip(),
                category=categories[planned.category_path],
                knowledge_point=planned.items[0].parsed.knowledge_point or "",
                difficulty=planned.items[0].parsed.difficulty,
                status=planned.items[0].status,
                import_batch=batch,
            )
            for planned in creating
        ]
    )
    by_plan = {id(planned): material for planned, material in zip(creating, created, strict=True)}
    updating = {m.existing_id: m for m in preview.materials if m.action == Action.UPDATE}
    updated = list(Material.objects.filter(pk__in=list(updating)))
    for material in updated:
        parsed = updating[material.pk].parsed
        material.text = parsed.text.strip()
        material.title = parsed.title or material.title
        material.updated_at = now
        by_plan[id(updating[material.pk])] = material
    Material.objects.bulk_update(updated, ["text", "title", "updated_at"])
    for planned in preview.materials:
        if planned.action == Action.UNCHANGED:
            continue
        by_plan.setdefault(
            id(planned), Material(pk=planned.existing_id, code=planned.existing_code)
        )
    return created, updated, _create_subquestions(preview, batch, categories, by_plan)


def _create_subquestions(preview, batch, categories, by_plan) -> list[Question]:
    new = []
    for planned in preview.materials:
        items = [item for item in planned.items if item.action == Action.CREATE]
        if not items:
            continue
        material = by_plan[id(planned)]
        codes = subquestion_codes(material=material, count=len(items), taken=set())
        for order, (item, code) in enumerate(
            zip(items, codes, strict=True), start=planned.next_order
        ):
            parsed = item.parsed
            new.append(
                Question(
                    code=code,
                    type=parsed.type,
                    stem=parsed.stem,
                    options=list(parsed.options or []),
                    answer=list(parsed.answer or []),
                    explanation=parsed.explanation or "",
                    category=categories[planned.category_path],
                    knowledge_point=parsed.knowledge_point or "",
                    difficulty=parsed.difficulty,
                    default_score=parsed.score if parsed.score is not None else 1,
                    status=item.status,
                    source_note=parsed.source_note or "",
                    import_batch=batch,
                    material_id=material.pk,
                    material_order=order,
                )
            )
    return Question.objects.bulk_create(new)
