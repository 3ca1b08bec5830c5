"""The assessment pages: 考核录入 (supervisors), 考核汇总 and held score changes (HR and
supervisors), 我的考核 (everyone)."""

from django.urls import path

from . import hr_views, my_views, team_views

app_name = "assessment"

urlpatterns = [
    path("team/records/", team_views.records, name="team_records"),
    path("team/records/upload/", team_views.records_upload, name="team_records_upload"),
    path("team/records/template.xlsx", team_views.records_template, name="team_records_template"),
    *hr_views.urlpatterns,
    path("my/assessments/", my_views.my_assessments, name="my_assessments"),
]
