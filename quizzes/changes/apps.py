"""The exam-change log's app."""

from django.apps import AppConfig


class ExamChangesConfig(AppConfig):
    name = "quizzes.changes"
    label = "exam_changes"
    verbose_name = "考试变更"
