"""The question bank's fixed choices: question types, uses and difficulties (models, forms,
grading and every importer share them)."""

from django.db import models


class QuestionType(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "truefalse", "判断题"
    FILL = "fill", "填空题"
    SHORT = "short", "简答题"


OBJECTIVE_TYPES = [QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE]
CHOICE_TYPES = [QuestionType.SINGLE, QuestionType.MULTIPLE]


class QuestionUsage(models.TextChoices):
    """What a question is for: practice serves 练习 and 通用; monthly exams draw 考试专用 and 通用."""

    PRACTICE = "practice", "练习"
    EXAM = "exam", "考试专用"
    BOTH = "both", "通用"


PRACTICE_USAGES = [QuestionUsage.PRACTICE, QuestionUsage.BOTH]
EXAM_USAGES = [QuestionUsage.EXAM, QuestionUsage.BOTH]


class Difficulty(models.IntegerChoices):
    EASY = 1, "易"
    MEDIUM = 2, "中"
    HARD = 3, "难"


# How many sub-questions one case-analysis material holds (editor, seed loader and importers).
MIN_SUBQUESTIONS, MAX_SUBQUESTIONS = 2, 6
