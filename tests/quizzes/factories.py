"""Small builders for exam tests: blueprints over the seeded bank, exams, attempts."""

from decimal import Decimal

from django.utils import timezone

from quizzes.models import Blueprint, BlueprintSection, Exam, QuestionType


def make_blueprint(*sections, name="测试组卷", **options) -> Blueprint:
    """sections: (title, question types, count, score) tuples."""
    defaults = {
        "status": Blueprint.Status.READY,
        "pass_mark": Decimal(60),
        "time_limit_minutes": 30,
    }
    defaults.update(options)
    blueprint = Blueprint.objects.create(name=name, **defaults)
    for order, (title, types, count, score) in enumerate(sections):
        BlueprintSection.objects.create(
            blueprint=blueprint,
            title=title,
            sort_order=order,
            question_count=count,
            score_per_question=Decimal(str(score)),
            types=list(types),
        )
    return blueprint


def make_exam(blueprint: Blueprint, **fields) -> Exam:
    fields.setdefault("status", Exam.Status.PUBLISHED)
    fields.setdefault("title", f"{blueprint.name}考试")
    return Exam.objects.create(blueprint=blueprint, **fields)


def single_choice_exam(count: int, **options) -> Exam:
    blueprint = make_blueprint(("单选", [QuestionType.SINGLE], count, 1), **options)
    return make_exam(blueprint)


def now():
    return timezone.now()


def make_single_choice_questions(count: int, category_path: str = "测试/单选"):
    from quizzes.models import Question, QuestionCategory

    category = QuestionCategory.for_path(category_path)
    return Question.objects.bulk_create(
        [
            Question(
                code=f"factory-single-{category.pk}-{n}",
                type=QuestionType.SINGLE,
                stem=f"测试单选题{n}",
                options=["甲", "乙", "丙", "丁"],
                answer=[n % 4],
                category=category,
            )
            for n in range(count)
        ]
    )
