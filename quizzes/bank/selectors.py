"""Read-side queries about the bank: how often each question (and case-analysis material) was
drawn and answered right, what a question, material or category still has depending on it, how
many questions have each use."""

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from ..papers.models import AttemptMaterial, AttemptQuestion
from ..practice.models import AnswerRecord
from .models import Material, Question, QuestionCategory


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) per question (a subquery, so two tables never multiply rows)."""
    counted = queryset.order_by().values("question_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_usage(questions: QuerySet[Question]) -> QuerySet[Question]:
    """Annotate how often each question was drawn into a paper, and how often it was answered right.

    Answers counted: every judged exam answer (AttemptQuestion.is_correct, which includes marked
    short answers) and every practice answer (AnswerRecord, origin practice). Exam answers are not
    taken from AnswerRecord as well, so none is counted twice.
    """
    exam = AttemptQuestion.objects.filter(question=OuterRef("pk"))
    practice = AnswerRecord.objects.filter(
        question=OuterRef("pk"), origin=AnswerRecord.Origin.PRACTICE
    )
    questions = questions.annotate(
        times_drawn=_count(exam),
        answered=_count(exam.filter(is_correct__isnull=False)) + _count(practice),
        answered_right=_count(exam.filter(is_correct=True))
        + _count(practice.filter(is_correct=True)),
    )
    return questions.annotate(
        right_rate=ExpressionWrapper(
            Cast(F("answered_right"), FloatField())
            / NullIf(Cast(F("answered"), FloatField()), 0.0),
            output_field=FloatField(),
        )
    )


def question_delete_problem(question: Question) -> str:
    """Why a question may not be deleted ("" when it may): papers and answers depend on it."""
    drawn = AttemptQuestion.objects.filter(question=question).count()
    answered = AnswerRecord.objects.filter(question=question).count()
    if drawn or answered:
        return (
            f"该试题已被抽入 {drawn} 份试卷、作答 {answered} 次：删除会丢失答题统计和考生的错题记录。"
            "不再使用请把状态改为“停用”。"
        )
    return ""


def category_delete_problem(category: QuestionCategory) -> str:
    """Why a category may not be deleted ("" when it may): it still holds questions or children."""
    questions = category.questions.count()
    children = category.children.count()
    if questions or children:
        return (
            f"分类“{category.path}”下还有 {questions} 道试题、{children} 个下级分类，"
            "请先移走或删除它们。"
        )
    return ""


def categories_with_counts(categories: QuerySet[QuestionCategory]) -> QuerySet[QuestionCategory]:
    return categories.select_related("parent").annotate(question_count=Count("questions"))


def usage_counts(questions: QuerySet[Question]) -> dict[str, int]:
    """How many of these questions have each use (练习 / 考试专用 / 通用)."""
    return dict(questions.order_by().values_list("usage").annotate(n=Count("pk")))


def missing_codes(questions: QuerySet[Question], codes: list[str]) -> list[str]:
    """The codes that name no question among `questions`."""
    found = set(questions.filter(code__in=codes).values_list("code", flat=True))
    return sorted(set(codes) - found)


# Case-analysis materials -------------------------------------------------------------------------


def materials_with_usage(materials: QuerySet[Material]) -> QuerySet[Material]:
    """Annotate each material's number of sub-questions and how often it was drawn into a paper
    (correlated counts, so the two never multiply)."""
    subquestions = (
        Question.objects.filter(material=OuterRef("pk"))
        .order_by()
        .values("material_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    drawn = (
        AttemptMaterial.objects.filter(material=OuterRef("pk"))
        .order_by()
        .values("material_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return materials.annotate(
        subquestion_count=Coalesce(Subquery(subquestions, output_field=IntegerField()), Value(0)),
        times_drawn=Coalesce(Subquery(drawn, output_field=IntegerField()), Value(0)),
    )


def material_subquestions(material: Material) -> list[Question]:
    """A material's sub-questions in order, with their usage figures (with_usage)."""
    return list(
        with_usage(Question.objects.filter(material=material)).order_by("material_order", "pk")
    )


def material_delete_problem(material: Material) -> str:
    """Why a material may not be deleted ("" when it may): papers or answers hold it."""
    drawn = AttemptMaterial.objects.filter(material=material).count()
    answered = AnswerRecord.objects.filter(question__material=material).count()
    if drawn or answered:
        return (
            f"该材料已被抽入 {drawn} 份试卷、小题作答 {answered} 次：删除会丢失答题统计和考生的错题记录。"
            "不再使用请把状态改为“停用”。"
        )
    return ""
