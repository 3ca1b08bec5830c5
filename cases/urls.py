from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("rules/", views.rule_index, name="rule_index"),
    path("rules/<slug:code>/", views.rule_set_detail, name="rule_set"),
    path("rules/<slug:code>/<str:key>/", views.rule_detail, name="rule_detail"),
    path("qa/", views.qa_index, name="qa_index"),
    path("qa/<slug:code>/", views.qa_detail, name="qa_detail"),
    path("sources/<str:file_name>/", views.source_detail, name="source_detail"),
]
