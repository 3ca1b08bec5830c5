"""Load the seed question bank (fixtures/questions/) and offer every Q&A item as a short answer.

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

from .display import LETTERS
from .grading import validate_answer_key
from .models import (
    Blueprint,
    BlueprintSection,
    Difficulty,
    Exam,
    Question,
    QuestionCategory,
    QuestionType,
    QuestionUsage,
)

QUESTIONS_DIR = Path(settings.FIXTURES_DIR) / "questions"
DIFFICULTY_BY_LABEL = {label: value for value, label in Difficulty.choices}


class QuestionLoadError(Exception):
    pass


@dataclass
class QuestionLoadResult:
    questions: int = 0
    from_qa: int = 0
    blueprints: int = 0
    exams: int = 0


def answer_from_fixture(row: dict) -> list:
    qtype, answer = row["type"], row["answer"]
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return [LETTERS.index(letter) for letter in str(answer).strip().upper()]
    if qtype == QuestionType.TRUE_FALSE:
        return [bool(answer)]
    if qtype == QuestionType.FILL:
        return [[str(alternative) for alternative in blank] for blank in answer]
    return [str(point) for point in answer]


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
            answer = answer_from_fixture(row)
            options = [str(option) for option in row.get("options") or []]
            errors = validate_answer_key(row["type"], options, answer, row["stem"])
            if errors:
                raise QuestionLoadError(f"{path.name} {row['code']}: {' '.join(errors)}")
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
        )
        question.qa_items.set([item])
        question.rules.set(item.related_rules.all())
        result.from_qa += 1


DEMO_SECTIONS = [
    ("一、单项选择题", QuestionType.SINGLE, 20, "1.5"),
    ("二、多项选择题", QuestionType.MULTIPLE, 10, "2"),
    ("三、判断题", QuestionType.TRUE_FALSE, 20, "1"),
    ("四、填空题", QuestionType.FILL, 5, "2"),
    ("五、简答题", QuestionType.SHORT, 2, "10"),
]


def ensure_blueprint(name: str, *, sections, **fields) -> tuple[Blueprint, bool]:
    """The ready blueprint called `name`, created with `sections` (title, type, count, score per
    question) if there is none yet; returns it and whether it was created."""
    blueprint = Blueprint.objects.filter(name=name).first()
    if blueprint is not None:
        return blueprint, False
    blueprint = Blueprint.objects.create(name=name, status=Blueprint.Status.READY, **fields)
    for order, (title, qtype, count, score) in enumerate(sections):
        BlueprintSection.objects.create(
            blueprint=blueprint,
            title=title,
            sort_order=order,
            question_count=count,
            score_per_question=Decimal(score),
            types=[qtype],
        )
    return blueprint, True


def load_demo_exams(result: QuestionLoadResult) -> None:
    blueprint, created = ensure_blueprint(
        "供电服务综合知识考试（100分）",
        sections=DEMO_SECTIONS,
        description="覆盖服务规范、典型案例和知识问答的综合试卷：单选、多选、判断、填空、简答。",
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
    load_demo_exams(result)
    return result
