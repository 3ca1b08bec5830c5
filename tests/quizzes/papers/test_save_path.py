"""The autosave's light path (issue 21, item 2): the Content-Security-Policy that every response
carries is built once per process (portal.security._plain_policies), yet stays exactly django-csp's
policy, follows a settings change at once, and the admin still gets its own."""

from copy import deepcopy

import pytest
from csp.utils import build_policy
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from quizzes.papers import services
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
