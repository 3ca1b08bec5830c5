import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from portal.organisation.models import StaffProfile, Unit
from portal.organisation.roles import Role, user_roles
from portal.organisation.selectors import can_see_profile, visible_profiles, visible_units

pytestmark = pytest.mark.django_db


def employee_numbers(queryset):
    return set(queryset.values_list("employee_number", flat=True))


def test_unit_tree_paths_give_subtrees(demo_org):
    hall = Unit.objects.get(code="CG-YYT")
    assert set(hall.subtree().values_list("code", flat=True)) == {"CG-YYT", "CG-YYT-1", "CG-YYT-2"}
    team = Unit.objects.get(code="CG-YYT-2")
    assert [u.code for u in team.ancestors()] == ["CG", "CG-YYT", "CG-YYT-2"]
    assert team.depth == 3


def test_moving_a_unit_moves_its_subtree(demo_org):
    hall = Unit.objects.get(code="CG-YYT")
    station = Unit.objects.get(code="CG-GDS")
    hall.parent = station
    hall.save()
    team = Unit.objects.get(code="CG-YYT-1")
    assert team.path.startswith(station.path)
    assert set(station.subtree().values_list("code", flat=True)) >= {"CG-YYT", "CG-YYT-1"}


def test_a_unit_cannot_be_its_own_ancestor(demo_org):
    from django.core.exceptions import ValidationError

    hall = Unit.objects.get(code="CG-YYT")
    hall.parent = Unit.objects.get(code="CG-YYT-1")
    with pytest.raises(ValidationError) as error:
        hall.full_clean()
    assert "上级单位不能是本单位或其下级单位" in str(error.value)


def test_staff_sees_only_themselves(staff_user):
    assert employee_numbers(visible_profiles(staff_user)) == {"DL1020"}
    assert not visible_units(staff_user).exists()


def test_team_leader_sees_own_team_and_nothing_else(team_leader):
    team = Unit.objects.get(code="CG-YYT-2")
    expected = employee_numbers(StaffProfile.objects.filter(unit=team))
    assert employee_numbers(visible_profiles(team_leader)) == expected
    assert "DL1013" not in expected  # 营业一班 is a sibling team: not visible
    other = StaffProfile.objects.get(employee_number="DL1013")
    assert not can_see_profile(team_leader, other)


def test_unit_head_sees_whole_subtree(hall_head):
    hall_units = Unit.objects.get(code="CG-YYT").subtree()
    expected = employee_numbers(StaffProfile.objects.filter(unit__in=hall_units))
    seen = employee_numbers(visible_profiles(hall_head))
    assert seen == expected
    assert {"DL1013", "DL1020", "DL2002"} <= seen
    assert "DL1025" not in seen  # 95598 centre is outside the hall's subtree
    assert set(visible_units(hall_head).values_list("code", flat=True)) == {
        "CG-YYT",
        "CG-YYT-1",
        "CG-YYT-2",
    }


def test_hr_and_admin_see_everyone(hr_user, admin_user_demo):
    total = StaffProfile.objects.count()
    assert visible_profiles(hr_user).count() == total
    assert visible_profiles(admin_user_demo).count() == total


def test_editor_sees_only_themselves(editor_user):
    assert employee_numbers(visible_profiles(editor_user)) == {"DL9002"}


def test_anonymous_sees_no_one(demo_org):
    assert not visible_profiles(AnonymousUser()).exists()
    assert not visible_units(AnonymousUser()).exists()


def test_supervisor_role_without_permission_sees_only_self(demo_org):
    # The scope alone grants nothing: removing the 班组长 group removes the team view.
    leader = get_user_model().objects.get(username="DL1019")
    leader.groups.remove(*leader.groups.filter(name=Role.SUPERVISOR.value))
    leader = get_user_model().objects.get(pk=leader.pk)  # fresh permission cache
    assert employee_numbers(visible_profiles(leader)) == {"DL1019"}


def test_roles_of_demo_users(staff_user, team_leader, hr_user, editor_user):
    assert user_roles(staff_user) == {Role.STAFF}
    assert user_roles(team_leader) == {Role.STAFF, Role.SUPERVISOR}
    assert user_roles(hr_user) == {Role.HR}
    assert user_roles(editor_user) == {Role.EDITOR}
    assert editor_user.has_perm("wagtailadmin.access_admin")
    assert not staff_user.has_perm("wagtailadmin.access_admin")


def test_visibility_query_count_is_fixed(hall_head, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        list(visible_profiles(hall_head))
