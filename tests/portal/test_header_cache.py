"""The header's name, roles and links come from the cache after a person's first page (issue 21:
four queries fewer on every exam-day page), follow a change of the person's groups or name at
once, and never open anything by themselves: a link that lingers is refused by its view."""

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.organisation.context_processors import nav_cache_key
from portal.organisation.roles import Role


def header_queries(client, path="/exams/") -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_pages_after_login_read_no_groups_permissions_or_profile(client, staff_user):
    cache.delete(nav_cache_key(staff_user.pk))
    client.force_login(staff_user)  # the login builds the header
    assert cache.get(nav_cache_key(staff_user.pk)) is not None
    for sql in header_queries(client) + header_queries(client):
        assert "auth_group" not in sql and "auth_permission" not in sql
    page = client.get("/exams/").content.decode()
    assert staff_user.staff_profile.name in page  # the header's name, from the cache


def test_an_expired_header_is_read_again_once(client, staff_user):
    client.force_login(staff_user)
    cache.delete(nav_cache_key(staff_user.pk))  # NAV_SECONDS later
    first = header_queries(client)
    second = header_queries(client)
    assert any("auth_group" in sql for sql in first)
    assert not any("auth_group" in sql or "auth_permission" in sql for sql in second)
    assert len(second) <= len(first) - 3


def test_a_new_role_shows_its_links_at_once(client, staff_user):
    client.force_login(staff_user)
    assert "班组考试" not in client.get("/exams/").content.decode()
    staff_user.groups.add(Group.objects.get(name=Role.SUPERVISOR.value))
    assert "班组考试" in client.get("/exams/").content.decode()


def test_a_role_removed_from_the_groups_side_clears_the_header(client, team_leader):
    client.force_login(team_leader)
    assert "班组考试" in client.get("/exams/").content.decode()
    Group.objects.get(name=Role.SUPERVISOR.value).user_set.remove(team_leader)
    assert "班组考试" not in client.get("/exams/").content.decode()


def test_a_renamed_person_sees_the_new_name(client, staff_user):
    client.force_login(staff_user)
    client.get("/exams/")
    profile = staff_user.staff_profile
    profile.name = "改名测试员"
    profile.save()
    assert "改名测试员" in client.get("/exams/").content.decode()


def test_a_lingering_link_opens_nothing(client, team_leader):
    """A supervisor link still in the cache after the role went (a group's permissions changed:
    no signal names the people) leads to the view's own refusal."""
    client.force_login(team_leader)
    assert "考核录入" in client.get("/exams/").content.decode()
    group = Group.objects.get(name=Role.SUPERVISOR.value)
    group.permissions.clear()
    assert "考核录入" in client.get("/exams/").content.decode()  # display only, for a minute
    response = client.get(reverse("assessment:team_records"))
    assert response.status_code in (302, 403)
