"""The assessment pages (namespace assessment:): 考核录入, submitting, 服务明星 (supervisors),
考核汇总, exports, held score changes and the change log (HR and supervisors), 我的考核
(everyone)."""

from django.urls import path

from . import audit_views, hr_views, my_views, team_views

app_name = "assessment"

urlpatterns = [
    path("team/records/", team_views.records, name="team_records"),
    path("team/records/upload/", team_views.records_upload, name="team_records_upload"),
    path("team/records/template.xlsx", team_views.records_template, name="team_records_template"),
    path("team/records/submit/", team_views.records_submit, name="team_records_submit"),
    path("team/stars/", team_views.stars, name="team_stars"),
    path("hr/audit/", audit_views.audit_log, name="audit_log"),
    path("hr/assessments/", hr_views.hr_assessments, name="hr_assessments"),
    path("hr/assessments/export.csv", hr_views.hr_export_csv, name="hr_export_csv"),
    path("hr/assessments/export.xlsx", hr_views.hr_export_xlsx, name="hr_export_xlsx"),
    path("hr/assessments/lock/", hr_views.hr_lock_month, name="hr_lock_month"),
    path("hr/assessments/reopen/", hr_views.hr_reopen_month, name="hr_reopen_month"),
    path("hr/held-scores/", hr_views.held_scores, name="held_scores"),
    path(
        "hr/held-scores/<int:change_id>/decide/",
        hr_views.held_score_decide,
        name="held_score_decide",
    ),
    path("my/assessments/", my_views.my_assessments, name="my_assessments"),
]
