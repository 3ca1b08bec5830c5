"""The autosave's light path (issue 21, item 2): the Content-Security-Policy that every response
carries is built once per process (portal.security._plain_policies), yet stays exactly django-csp's
policy, follows a settings change at once, and the admin still gets its own."""

from copy import deepcopy
from datetime import timedelta
from unittest import mock

import pytest
from csp.utils import build_policy
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from quizzes.papers import scheduling, services, sitting
from tests.quizzes.factories import single_choice_exam

pytestmark = pytest.mark.django_db


def test_a_save_and_a_page_carry_django_csps_policy(client, staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    client.force_login(staff_user)
    expected = build_policy()
    saved = client.post(
        f"/attempts/{attempt.public_id}/answers/",
        {"position": 1, "response": 0},
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["saved"] is True
    assert saved["Content-Security-Policy"] == expected
    page = client.get(attempt.get_absolute_url())
    assert page["Content-Security-Policy"] == expected
    assert "script-src 'self'" in expected and "unsafe-inline" not in expected.split("style-src")[0]


def test_a_changed_policy_is_sent_at_once_and_the_admin_keeps_its_own(client, admin_client):
    admin_header = admin_client.get("/admin/")["Content-Security-Policy"]
    assert admin_header == build_policy(config=settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
    assert admin_header != build_policy()
    changed = deepcopy(settings.CONTENT_SECURITY_POLICY)
    changed["DIRECTIVES"]["img-src"] = ["'self'", "https://example.invalid"]
    with override_settings(CONTENT_SECURITY_POLICY=changed):
        header = client.get("/accounts/login/")["Content-Security-Policy"]
        assert "img-src 'self' https://example.invalid" in header
    assert "example.invalid" not in client.get("/accounts/login/")["Content-Security-Policy"]


def test_a_saves_status_is_one_cache_read_and_still_sees_an_extension(staff_user, team_leader):
    exam = single_choice_exam(3, time_limit_minutes=120)
    exam.closes_at = timezone.now() + timedelta(minutes=20)
    exam.created_by = team_leader
    exam.save(update_fields=["closes_at", "created_by"])
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())

    def read():
        return sitting.paper_status(
            public_id=attempt.public_id,
            user_id=staff_user.pk,
            now=timezone.now(),
            exam_id=attempt.exam_id,
        )

    first = read()  # from the database, then cached
    with mock.patch.object(sitting, "cache", wraps=cache) as spy:
        assert read()["remaining_seconds"] <= first["remaining_seconds"]
    assert [name for name, _, _ in spy.method_calls] == ["get_many"]
    scheduling.extend_exam(
        by=team_leader,
        exam_id=exam.pk,
        closes_at=timezone.now() + timedelta(hours=2),
        reason="停电",
        now=timezone.now(),
    )
    assert read()["remaining_seconds"] > first["remaining_seconds"] + 30 * 60
    # Someone else's attempt stays unknown, whatever exam id is passed.
    assert (
        sitting.paper_status(
            public_id=attempt.public_id,
            user_id=team_leader.pk,
            now=timezone.now(),
            exam_id=attempt.exam_id,
        )
        is None
    )
