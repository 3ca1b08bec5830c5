"""What changes the bank outside the editors' own forms: setting the use of many questions at once.
(Importing is quizzes.interchange.importing; seed loading quizzes.bank.seed.)"""

from django.db.models import QuerySet

from .models import Question


def set_usage(*, questions: QuerySet[Question], usage: str) -> int:
    """Set 练习 / 考试专用 / 通用 for these questions in one UPDATE; how many changed."""
    return questions.exclude(usage=usage).update(usage=usage)
