"""The named checks of portal.organisation.permissions, the view decorator, and the navigation
the roles context processor builds from them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from portal.organisation import permissions
from portal.organisation.context_processors import main_nav, team_nav
from portal.organisation.roles import Role
from quizzes.models import Attempt
from tests.factories import make_person, make_unit

pytestmark = pytest.mark.django_db


def labels(items) -> list[str]:
    return [item.label for item in items]


@pytest.fixture
def new_team():
    return make_unit("T-NEW", parent=make_unit("T-HALL", name="测试营业厅"), name="测试一班")


def test_a_supervisor_of_a_unit_supervises_everything_below_it(new_team):
    hall = new_team.parent
    head = make_person("T900", unit=hall, roles=(Role.STAFF, Role.SUPERVISOR), supervises=(hall,))
    clerk = make_person("T901", unit=new_team)
    assert permissions.is_supervisor(head) and permissions.has_units(head)
    assert permissions.is_supervisor_of(head, new_team) and permissions.is_supervisor_of(head, hall)
    assert not permissions.is_supervisor_of(head, hall.parent)  # not the company above
    assert permissions.can_view_reports(head) and permissions.can_edit_records(head)
    assert not permissions.can_manage_months(head)
    attempt = Attempt(user_id=clerk.pk)
    assert permissions.can_mark_attempt(head, attempt)
    assert not permissions.can_mark_attempt(head, Attempt(user_id=head.pk))  # never their own
    assert not permissions.can_mark_attempt(clerk, attempt)


def test_the_supervisor_role_without_a_unit_opens_no_report(new_team):
    leader = make_person("T902", unit=new_team, roles=(Role.STAFF, Role.SUPERVISOR))
    assert permissions.is_supervisor(leader) and permissions.can_mark(leader)
    assert not permissions.has_units(leader)
    assert not permissions.can_view_reports(leader) and not permissions.can_edit_records(leader)
    # The navigation still offers the pages (they then say why not), as before.
    assert "考核录入" in labels(main_nav(leader)) and "班组考试" in labels(main_nav(leader))


def test_hr_sees_everyone_and_manages_months(hr_user, staff_user):
    assert permissions.can_see_everyone(hr_user) and permissions.can_manage_months(hr_user)
    assert permissions.can_mark_attempt(hr_user, Attempt(user_id=staff_user.pk))
    assert not permissions.is_supervisor(hr_user) and not permissions.can_edit_records(hr_user)


def test_staff_and_anonymous_may_do_none_of_it(staff_user):
    for user in (staff_user, AnonymousUser()):
        assert not permissions.can_see_everyone(user)
        assert not permissions.is_supervisor_or_hr(user)
        assert not permissions.can_view_reports(user)
        assert not permissions.can_edit_records(user)
        assert not permissions.can_mark(user)


def test_navigation_follows_the_role(staff_user, team_leader, hr_user, editor_user):
    everyone = ["我的考试", "练习", "错题本", "我的考核", "知识库", "案例", "搜索"]
    assert labels(main_nav(staff_user)) == everyone
    assert labels(main_nav(team_leader)) == [
        *everyone,
        "人员",
        "阅卷",
        "班组考试",
        "考核录入",
        "考核汇总",
    ]
    assert labels(main_nav(hr_user)) == [
        *everyone,
        "人员",
        "阅卷",
        "班组考试",
        "考核汇总",
        "管理后台",
    ]
    assert labels(main_nav(editor_user)) == [*everyone, "管理后台"]
    assert main_nav(AnonymousUser()) == []
    assert labels(team_nav(team_leader)) == [
        "班组考试",
        "学习分析",
        "安排月度考试",
        "月度考核录入",
        "服务明星",
    ]
    assert labels(team_nav(hr_user)) == ["班组考试", "学习分析"]


def test_the_decorator_refuses_with_the_message_given(staff_user, team_leader):
    @permissions.requires(permissions.is_supervisor, "只有班组长可以。")
    def view(request):
        return "ok"

    request = RequestFactory().get("/")
    request.user = team_leader
    assert view(request) == "ok"
    request.user = staff_user
    with pytest.raises(PermissionDenied, match="只有班组长可以。"):
        view(request)
