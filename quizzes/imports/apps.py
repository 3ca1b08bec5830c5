"""Import history: each applied question-file import, what it brought in, and its undo."""

from django.apps import AppConfig


class QuestionImportsConfig(AppConfig):
    name = "quizzes.imports"
    label = "question_imports"
    verbose_name = "导入历史"
