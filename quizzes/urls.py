"""The exam engine's pages (namespace quizzes:): my exams and the paper, practice and the
wrong-answer book, marking, team exams."""

from django.urls import path

from .papers import marking_views, team_views, views
from .practice import views as practice_views

app_name = "quizzes"

urlpatterns = [
    path("exams/", views.exam_list, name="exam_list"),
    path("exams/<int:exam_id>/start/", views.start, name="start"),
    path("attempts/<uuid:public_id>/", views.attempt_paper, name="attempt"),
    path("attempts/<uuid:public_id>/answers/", views.save_answer, name="save_answer"),
    path("attempts/<uuid:public_id>/flags/", views.flag, name="flag"),
    path("attempts/<uuid:public_id>/status/", views.status, name="attempt_status"),
    path("attempts/<uuid:public_id>/submit/", views.submit, name="submit"),
    path("attempts/<uuid:public_id>/result/", views.result, name="result"),
    *practice_views.urlpatterns,
    *marking_views.urlpatterns,
    *team_views.urlpatterns,
]
