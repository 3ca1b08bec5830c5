from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    path("me/", views.my_profile, name="my_profile"),
    path("people/", views.people_list, name="people_list"),
    path("people/<str:employee_number>/", views.person_detail, name="person_detail"),
]
