"""The monthly assessment's app: subscribes to exam results in ready()."""

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    """Monthly assessment: a domain of its own beside the exam engine, which it listens to through
    quizzes.results (the only part of quizzes it imports)."""

    name = "assessment"
    label = "assessment"
    verbose_name = "月度考核"

    def ready(self):
        from quizzes import results

        from .listeners import exam_result_changed
        from .selectors import closed_month_problems, locked_month_problems

        # The record is recomputed by a background job (listeners.py), not inside the request.
        results.on_result_changed(exam_result_changed)
        results.add_scheduling_check(closed_month_problems)
        results.add_score_change_check(locked_month_problems)
