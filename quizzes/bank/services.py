"""What changes the bank outside the editors' own forms: setting the use of many questions at once,
keeping a case-analysis material's sub-questions in step with it. (Importing is
quizzes.interchange.importing; seed loading quizzes.bank.seed.)"""

from django.db.models import QuerySet

from .models import Material, Question


def subquestion_codes(*, material: Material, count: int, taken: set[str]) -> list[str]:
    """`count` free codes <material code>-<n> for new sub-questions (n from 1, skipping taken)."""
    taken = taken | set(
        Question.objects.filter(code__startswith=f"{material.code}-").values_list("code", flat=True)
    )
    codes, number = [], 0
    while len(codes) < count:
        number += 1
        code = f"{material.code}-{number}"
        if code not in taken:
            codes.append(code)
    return codes


def prepare_subquestions(*, material: Material, subquestions: list[Question]) -> None:
    """Before they are saved: every sub-question takes its material's category, difficulty, use
    and source (a knowledge point of its own is kept); a new one gets a free code. Writes nothing."""
    new = [question for question in subquestions if not question.code]
    codes = iter(
        subquestion_codes(
            material=material,
            count=len(new),
            taken={question.code for question in subquestions if question.code},
        )
    )
    for question in subquestions:
        if not question.code:
            question.code = next(codes)
        question.category_id = material.category_id
        question.difficulty = material.difficulty
        question.usage = material.usage
        question.source_id = material.source_id
        question.knowledge_point = question.knowledge_point or material.knowledge_point


def link_subquestions(*, material: Material) -> None:
    """After they are saved: each sub-question is linked to its material's case, and one without
    rule items of its own gets the material's."""
    rules = list(material.rules.all())
    for question in Question.objects.filter(material=material).prefetch_related("rules"):
        question.cases.set([material.case_id] if material.case_id else [])
        if not question.rules.all():
            question.rules.set(rules)


def set_usage(*, questions: QuerySet[Question], usage: str) -> int:
    """Set 练习 / 考试专用 / 通用 for these questions in one UPDATE; how many changed."""
    return questions.exclude(usage=usage).update(usage=usage)
