"""The autosave request without reading the user's row (portal.organisation.session_user, issue 21
item 2): one statement per save through the whole stack on PostgreSQL, and still no save for a
session that Django's own check would refuse: a deactivated account, a password changed behind
the cache's back, a session signed in with an old password, someone else's paper, no CSRF token.
Each refusal changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.organisation import session_user
from quizzes.models import AttemptQuestion
from quizzes.papers import autosave, services
from tests.quizzes.factories import single_choice_exam

pytestmark = pytest.mark.django_db


def sitting(user, client=None):
    """The person's open paper, its page opened (which remembers the checked session)."""
    attempt = services.start_attempt(exam=single_choice_exam(4), user=user, now=timezone.now())
    client = client or Client()
    client.force_login(user)
    assert client.get(attempt.get_absolute_url()).status_code == 200
    return attempt, client


def save(client, attempt, position, response, **extra):
    return client.post(
        f"/attempts/{attempt.public_id}/answers/",
        {"position": position, "response": response},
        content_type="application/json",
        **extra,
    )


def stored(attempt, position):
    return AttemptQuestion.objects.get(attempt=attempt, position=position).response


def test_the_paper_page_remembers_the_checked_session(staff_user):
    cache.delete(f"session-password:{staff_user.pk}")
    sitting(staff_user)
    assert cache.get(f"session-password:{staff_user.pk}") == staff_user.password


@pytest.mark.postgres
@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cached_db")  # as production
def test_a_save_through_the_whole_stack_is_one_statement(staff_user):
    attempt, client = sitting(staff_user)
    autosave.forget_shapes()
    assert save(client, attempt, 1, 0).json()["saved"] is True  # reads the paper's shapes
    with CaptureQueriesContext(connection) as queries:
        reply = save(client, attempt, 2, 1)
    assert reply.status_code == 200 and reply.json()["saved"] is True
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) == 1, sql
    assert sql[0].startswith("UPDATE") and "is_active" in sql[0]
    assert stored(attempt, 2) == 1


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"password": make_password("Xin#2026mima")}],
    ids=["deactivated", "password changed"],
)
def test_an_account_changed_behind_the_caches_back_cannot_save(staff_user, change):
    attempt, client = sitting(staff_user)
    assert save(client, attempt, 1, 0).json()["saved"] is True
    # A queryset update: no signal, so the remembered hash stays in the cache.
    get_user_model().objects.filter(pk=staff_user.pk).update(**change)
    reply = save(client, attempt, 1, 2)
    assert reply.status_code in (302, 401)
    assert stored(attempt, 1) == 0


def test_a_session_signed_in_before_a_password_change_cannot_save(staff_user):
    attempt, old_client = sitting(staff_user)
    staff_user.set_password("Xin#2026mima")
    staff_user.save()  # clears the remembered hash
    assert cache.get(f"session-password:{staff_user.pk}") is None
    new_client = Client()
    new_client.force_login(staff_user)
    assert new_client.get(attempt.get_absolute_url()).status_code == 200  # remembers the new one
    reply = save(old_client, attempt, 1, 1)
    assert reply.status_code in (302, 401)
    assert stored(attempt, 1) is None
    assert save(new_client, attempt, 1, 1).json()["saved"] is True


def test_someone_elses_paper_is_not_found_and_unchanged(staff_user, team_leader):
    attempt, _ = sitting(staff_user)
    other_attempt, other_client = sitting(team_leader)
    assert save(other_client, other_attempt, 1, 0).json()["saved"] is True
    reply = save(other_client, attempt, 1, 2)
    assert reply.status_code == 404
    assert stored(attempt, 1) is None


def test_a_save_without_the_csrf_token_is_refused(staff_user):
    attempt, _ = sitting(staff_user, Client(enforce_csrf_checks=True))
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    reply = save(client, attempt, 1, 0)
    assert reply.status_code == 403
    assert stored(attempt, 1) is None
    token = client.get(attempt.get_absolute_url()) and client.cookies["csrftoken"].value
    assert save(client, attempt, 1, 0, HTTP_X_CSRFTOKEN=token).json()["saved"] is True


def test_a_forgotten_hash_only_means_the_usual_check(staff_user):
    attempt, client = sitting(staff_user)
    session_user.forget(user_id=staff_user.pk)
    assert save(client, attempt, 1, 2).json()["saved"] is True
    assert stored(attempt, 1) == 2
    assert cache.get(f"session-password:{staff_user.pk}") == staff_user.password
