"""Seed loading: the question bank of fixtures/questions/ (questions, case-analysis materials with
their sub-questions, exclusion groups), every Q&A item offered as a short answer, and the demo
paper (a blueprint and a mock exam).

Idempotent and non-destructive like the knowledge loader: an existing code is left as it is.
"""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from cases.loaders import resolve_rules
from cases.models import CasePage, QAItem, SourceDocument

from ..papers.models import Blueprint, Exam, SectionKind
from ..papers.services import ensure_blueprint
from .answers import answer_from_data, validate_answer_key
from .choices import MAX_SUBQUESTIONS, MIN_SUBQUESTIONS, Difficulty, QuestionType, QuestionUsage
from .models import ExclusionGroup, Material, Question, QuestionCategory

QUESTIONS_DIR = Path(settings.FIXTURES_DIR) / "questions"
DIFFICULTY_BY_LABEL = {label: value for value, label in Difficulty.choices}


class QuestionLoadError(Exception):
    pass


@dataclass
class QuestionLoadResult:
    questions: int = 0
    from_qa: int = 0
    materials: int = 0
    subquestions: int = 0
    exclusion_groups: int = 0
    blueprints: int = 0
    exams: int = 0


def subquestion_code(material_code: str, order: int) -> str:
    """A material's n-th sub-question (from 1): m-nc01-a-1, m-nc01-a-2 …"""
    return f"{material_code}-{order}"


def _answer(row: dict, where: str) -> tuple[list[str], list]:
    """A fixture row's options and stored answer, checked; QuestionLoadError naming `where`."""
    options = [str(option) for option in row.get("options") or []]
    try:
        answer = answer_from_data(row["type"], row["answer"], len(options))
    except ValueError as error:
        raise QuestionLoadError(f"{where}: {error}") from None
    errors = validate_answer_key(row["type"], options, answer, row["stem"])
    if errors:
        raise QuestionLoadError(f"{where}: {' '.join(errors)}")
    return options, answer


def _link(question: Question, row: dict) -> None:
    question.rules.set(resolve_rules(row.get("rules") or [], row["code"]))
    qa_codes = row.get("qa") or []
    qa_items = list(QAItem.objects.filter(code__in=qa_codes))
    case_slugs = row.get("cases") or []
    cases = list(CasePage.objects.filter(slug__in=case_slugs))
    if len(qa_items) != len(set(qa_codes)) or len(cases) != len(set(case_slugs)):
        raise QuestionLoadError(f"{row['code']}: 引用了不存在的知识问答或案例")
    question.qa_items.set(qa_items)
    question.cases.set(cases)


def load_fixture_questions(result: QuestionLoadResult, sources: dict[str, SourceDocument]) -> None:
    existing = set(Question.objects.values_list("code", flat=True))
    for path in sorted(QUESTIONS_DIR.glob("questions_*.yaml")):
        with open(path, encoding="utf-8") as handle:
            rows = yaml.safe_load(handle)["questions"]
        for row in rows:
            if row["code"] in existing:
                continue
            options, answer = _answer(row, f"{path.name} {row['code']}")
            question = Question.objects.create(
                code=row["code"],
                type=row["type"],
                stem=row["stem"],
                options=options,
                answer=answer,
                explanation=row.get("explanation") or "",
                category=QuestionCategory.for_path(row["category"]),
                knowledge_point=row.get("knowledge_point") or "",
                difficulty=DIFFICULTY_BY_LABEL[row["difficulty"]],
                default_score=Decimal(str(row.get("score", 1))),
                source=sources[row["source"]],
                quote=row["quote"],
                status=row.get("status") or Question.Status.ACTIVE,
                usage=row.get("use") or QuestionUsage.BOTH,
                note=row.get("note") or "",
                retire_reason=row.get("retire_reason") or "",
                blanks_unordered=bool(row.get("blanks_unordered")),
            )
            _link(question, row)
            result.questions += 1


def load_qa_short_answers(result: QuestionLoadResult) -> None:
    existing = set(Question.objects.filter(code__startswith="qa-").values_list("code", flat=True))
    for item in QAItem.objects.select_related("source").order_by("sort_order"):
        code = f"qa-{item.code.removeprefix('qa-')}"
        if code in existing:
            continue
        question = Question.objects.create(
            code=code,
            type=QuestionType.SHORT,
            stem=item.question,
            answer=list(item.key_points),
            explanation=item.answer,
            category=QuestionCategory.for_path(item.category),
            knowledge_point=item.collection,
            difficulty=Difficulty.MEDIUM,
            default_score=Decimal(5),
            source=item.source,
            quote=item.quote,
            note=item.note,
            # A statement the editors marked wrong or obsolete is not examined.
            status=Question.Status.ACTIVE if item.is_valid else Question.Status.RETIRED,
            retire_reason="" if item.is_valid else f"知识问答{item.get_validity_display()}",
        )
        question.qa_items.set([item])
        question.rules.set(item.related_rules.all())
        result.from_qa += 1


def _material_fields(row: dict, where: str, sources: dict[str, SourceDocument]) -> dict:
    case = CasePage.objects.filter(slug=row["case"]).first() if row.get("case") else None
    if row.get("case") and case is None:
        raise QuestionLoadError(f"{where}: 找不到案例 {row['case']}")
    count = len(row.get("subquestions") or [])
    if not MIN_SUBQUESTIONS <= count <= MAX_SUBQUESTIONS:
        raise QuestionLoadError(
            f"{where}: 材料须有 {MIN_SUBQUESTIONS}–{MAX_SUBQUESTIONS} 道小题，现有 {count} 道"
        )
    return {
        "code": row["code"],
        "title": row["title"],
        "text": row["material"].strip(),
        "case": case,
        "category": QuestionCategory.for_path(row["category"]),
        "knowledge_point": row.get("knowledge_point") or "",
        "difficulty": DIFFICULTY_BY_LABEL[row["difficulty"]],
        "status": row.get("status") or Question.Status.ACTIVE,
        "usage": row.get("use") or QuestionUsage.BOTH,
        "note": row.get("note") or "",
        "source": sources[row["source"]],
        "quote": row["quote"],
    }


def _subquestion(material: Material, row: dict, sub: dict, order: int, where: str) -> Question:
    options, answer = _answer(sub, f"{where} 第 {order} 小题")
    question = Question.objects.create(
        code=subquestion_code(material.code, order),
        type=sub["type"],
        stem=sub["stem"],
        options=options,
        answer=answer,
        explanation=sub.get("explanation") or "",
        category=material.category,
        knowledge_point=sub.get("knowledge_point") or material.knowledge_point,
        difficulty=material.difficulty,
        default_score=Decimal(str(sub.get("score", 1))),
        source=material.source,
        status=sub.get("status") or Question.Status.ACTIVE,
        usage=material.usage,
        note=sub.get("note") or "",
        blanks_unordered=bool(sub.get("blanks_unordered")),
        material=material,
        material_order=order,
    )
    question.rules.set(resolve_rules(sub.get("rules") or row.get("rules") or [], question.code))
    if material.case_id:
        question.cases.set([material.case_id])
    return question


def load_fixture_materials(result: QuestionLoadResult, sources: dict[str, SourceDocument]) -> None:
    """materials_*.yaml: each material with its sub-questions (codes <material>-1, -2 …); a
    material whose code exists is left as it is."""
    existing = set(Material.objects.values_list("code", flat=True))
    variants: list[tuple[Material, str]] = []
    for path in sorted(QUESTIONS_DIR.glob("materials_*.yaml")):
        with open(path, encoding="utf-8") as handle:
            rows = yaml.safe_load(handle)["materials"]
        for row in rows:
            if row["code"] in existing:
                continue
            where = f"{path.name} {row['code']}"
            material = Material.objects.create(**_material_fields(row, where, sources))
            material.rules.set(resolve_rules(row.get("rules") or [], row["code"]))
            for order, sub in enumerate(row["subquestions"], start=1):
                _subquestion(material, row, sub, order, where)
                result.subquestions += 1
            if row.get("variant_of"):
                variants.append((material, row["variant_of"]))
            existing.add(row["code"])
            result.materials += 1
    for material, base_code in variants:
        base = Material.objects.filter(code=base_code).first()
        if base is None:
            raise QuestionLoadError(f"{material.code}: 变式所依据的材料 {base_code} 不存在")
        Material.objects.filter(pk=material.pk).update(variant_of=base)


def load_exclusion_groups(result: QuestionLoadResult) -> None:
    """exclusion_groups.yaml: groups of twin questions (by question code); an existing group code
    is left as it is."""
    path = QUESTIONS_DIR / "exclusion_groups.yaml"
    if not path.exists():
        return
    with open(path, encoding="utf-8") as handle:
        rows = yaml.safe_load(handle)["exclusion_groups"]
    existing = set(ExclusionGroup.objects.values_list("code", flat=True))
    for row in rows:
        if row["code"] in existing:
            continue
        codes = list(dict.fromkeys(row["questions"]))
        questions = list(Question.objects.filter(code__in=codes).only("pk", "code"))
        missing = sorted(set(codes) - {question.code for question in questions})
        if missing:
            raise QuestionLoadError(
                f"{path.name} {row['code']}: 没有这些试题：{'、'.join(missing)}"
            )
        group = ExclusionGroup.objects.create(code=row["code"], name=row["name"])
        group.questions.set(questions)
        existing.add(row["code"])
        result.exclusion_groups += 1


# The demo paper: 70 points of single questions and a case-analysis section of two materials of
# 15 points each (30 %).
DEMO_SECTIONS = [
    ("一、单项选择题", QuestionType.SINGLE, 14, "1.5"),
    ("二、多项选择题", QuestionType.MULTIPLE, 8, "2"),
    ("三、判断题", QuestionType.TRUE_FALSE, 13, "1"),
    ("四、填空题", QuestionType.FILL, 5, "2"),
    ("五、简答题", QuestionType.SHORT, 1, "10"),
    ("六、案例分析题", SectionKind.MATERIALS, 2, "15"),
]


def load_demo_exams(result: QuestionLoadResult) -> None:
    blueprint, created = ensure_blueprint(
        "供电服务综合知识考试（100分）",
        sections=DEMO_SECTIONS,
        description="覆盖服务规范、典型案例和知识问答的综合试卷：单选、多选、判断、填空、简答，"
        "以及两份案例分析材料。",
        pass_mark=Decimal(60),
        time_limit_minutes=60,
    )
    result.blueprints += int(created)
    if not Exam.objects.filter(title="综合知识模拟考试").exists():
        Exam.objects.create(
            title="综合知识模拟考试",
            blueprint=Blueprint.objects.get(pk=blueprint.pk),
            status=Exam.Status.PUBLISHED,
        )
        result.exams += 1


@transaction.atomic
def load_questions() -> QuestionLoadResult:
    result = QuestionLoadResult()
    sources = {document.file_name: document for document in SourceDocument.objects.all()}
    load_fixture_questions(result, sources)
    load_qa_short_answers(result)
    load_fixture_materials(result, sources)
    load_exclusion_groups(result)
    load_demo_exams(result)
    return result
