"""The app's models, where Django looks for them: each lives in the sub-package that owns it (the
bank, the papers, practice). Code outside quizzes may import models and their choices from here."""

from .bank.choices import (
    CHOICE_TYPES,
    EXAM_USAGES,
    OBJECTIVE_TYPES,
    PRACTICE_USAGES,
    Difficulty,
    QuestionType,
    QuestionUsage,
)
from .bank.models import (
    ExclusionGroup,
    Material,
    Question,
    QuestionCategory,
    QuestionImport,
    new_import_token,
)
from .papers.models import (
    MONTHLY_POLICY_MESSAGE,
    AnswersShown,
    Attempt,
    AttemptMaterial,
    AttemptQuestion,
    Blueprint,
    BlueprintSection,
    Exam,
    MarkingEvent,
    MultipleScoring,
    ReviewVisibility,
    SectionKind,
    default_exam_usages,
)
from .practice.models import AnswerRecord, WrongAnswer

__all__ = [
    "CHOICE_TYPES",
    "EXAM_USAGES",
    "MONTHLY_POLICY_MESSAGE",
    "OBJECTIVE_TYPES",
    "PRACTICE_USAGES",
    "AnswerRecord",
    "AnswersShown",
    "Attempt",
    "AttemptMaterial",
    "AttemptQuestion",
    "Blueprint",
    "BlueprintSection",
    "Difficulty",
    "Exam",
    "ExclusionGroup",
    "MarkingEvent",
    "Material",
    "MultipleScoring",
    "Question",
    "QuestionCategory",
    "QuestionImport",
    "QuestionType",
    "QuestionUsage",
    "ReviewVisibility",
    "SectionKind",
    "WrongAnswer",
    "default_exam_usages",  # migrations name it quizzes.models.default_exam_usages
    "new_import_token",  # and quizzes.models.new_import_token
]
