import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from portal.organisation.models import StaffProfile, Unit

pytestmark = pytest.mark.django_db


def snapshot():
    users = get_user_model().objects.order_by("username")
    return {
        "units": list(Unit.objects.order_by("code").values_list("code", "name", "path")),
        "profiles": list(
            StaffProfile.objects.order_by("employee_number").values_list(
                "employee_number", "name", "unit__code", "position"
            )
        ),
        "users": list(users.values_list("username", "password", "is_active", "is_superuser")),
        "groups": list(Group.objects.order_by("name").values_list("name", flat=True)),
        "memberships": sorted(users.values_list("username", "groups__name")),
    }


def test_demo_data_meets_the_brief(demo_org):
    assert Unit.objects.filter(kind="company").count() == 1
    assert Unit.objects.exclude(kind__in=["company", "team", "department"]).count() >= 3
    assert Unit.objects.filter(kind="team").count() >= 6
    front_line = ["counter", "hotline", "meter", "repair", "rural"]
    assert StaffProfile.objects.filter(position__in=front_line).count() >= 35
    assert StaffProfile.objects.count() >= 40
    assert Group.objects.get(name="人资").user_set.exists()
    assert Group.objects.get(name="培训专责").user_set.exists()
    assert get_user_model().objects.filter(is_superuser=True).exists()


def test_loading_twice_changes_nothing():
    call_command("load_initial_data", stdout=io.StringIO())
    first = snapshot()
    call_command("load_initial_data", stdout=io.StringIO())
    assert snapshot() == first
    assert first["units"] and first["profiles"]


def test_every_demo_user_has_a_profile(demo_org):
    assert not get_user_model().objects.filter(staff_profile__isnull=True).exists()
