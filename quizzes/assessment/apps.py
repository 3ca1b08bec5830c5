from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "quizzes.assessment"
    label = "assessment"
    verbose_name = "月度考核"
