"""Item analysis and learning analytics (issue 19): question statistics from graded exam papers,
the flags editors act on, difficulty from evidence, what a team has not learned, and 智能练习."""

from django.apps import AppConfig


class ItemAnalysisConfig(AppConfig):
    name = "quizzes.analysis"
    label = "item_analysis"
    verbose_name = "试题分析"
    default_auto_field = "django.db.models.BigAutoField"
