"""Production hardening: Content-Security-Policy on every page, login lock-out (django-axes),
password rules, secure production settings, and an audit log that no view can change."""

import json
import re
from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from assessment import services as assessment
from assessment.models import AuditEntry
from quizzes.models import QuestionType
from quizzes.papers import services
from tests.conftest import DEMO_PASSWORD
from tests.portal.test_settings import run_manage
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db

LOCKED = "登录已暂时锁定"
WRONG = "用户名（工号）或密码不正确"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# Content-Security-Policy --------------------------------------------------------------------------


def test_staff_pages_carry_the_strict_policy(client, staff_user):
    client.force_login(staff_user)
    for url in ("/", "/exams/", "/practice/", "/knowledge/rules/", "/my/assessments/"):
        response = client.get(url)
        assert response.status_code == 200
        directives = policy(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        assert directives["form-action"] == ["'self'"]
    # Anonymous pages and error pages too.
    client.logout()
    assert policy(client.get("/accounts/login/"))["script-src"] == ["'self'"]
    assert policy(client.get("/no-such-page/"))["default-src"] == ["'self'"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.I)


def inline_code(html: str) -> list[str]:
    found = []
    for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
        found += [match.group(0)[:80] for match in pattern.finditer(html)]
    return found


def test_our_pages_have_no_inline_script_or_style(client, staff_user, team_leader, hr_user):
    """The strict policy would block inline code, so none of our pages may rely on it."""
    blueprint = make_blueprint(
        ("单选", [QuestionType.SINGLE], 2, 5),
        ("填空", [QuestionType.FILL], 1, 5),
        ("简答", [QuestionType.SHORT], 1, 5),
        name="CSP检查",
    )
    exam = make_exam(blueprint)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    pages = {
        staff_user: [
            "/",
            "/me/",
            "/exams/",
            attempt.get_absolute_url(),
            "/knowledge/rules/",
            "/knowledge/qa/",
            "/cases/",
            "/search/?q=停电",
            "/my/assessments/",
            "/accounts/password/",
        ],
        team_leader: [
            "/people/",
            "/team/exams/",
            "/team/exams/new/",
            "/team/records/",
            "/marking/",
            "/hr/assessments/",
        ],
        hr_user: ["/hr/assessments/", "/hr/held-scores/"],
        # Practice closes while a person sits an exam: a colleague who is not sitting one.
        get_user_model().objects.get(username="DL1021"): [
            "/practice/",
            "/practice/question/?scope=random:",
            "/wrongbook/",
        ],
    }
    problems = []
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            problems += [f"{url}: {code}" for code in inline_code(response.content.decode())]
    client.logout()
    problems += [
        f"login: {c}" for c in inline_code(client.get("/accounts/login/").content.decode())
    ]
    assert not problems, "\n".join(problems)


def test_error_pages_have_no_inline_style():
    from django.template.loader import render_to_string

    for name in ("403.html", "404.html", "500.html", "registration/locked_out.html"):
        assert not INLINE_STYLE.search(render_to_string(name)), name


def test_wagtail_admin_works_under_its_own_policy(client, editor_user):
    """The admin renders inline scripts of its own: it gets a looser policy, still same-origin."""
    client.force_login(editor_user)
    from quizzes.models import Question

    question = Question.objects.filter(status=Question.Status.ACTIVE).first()
    for url in (
        "/admin/",
        "/admin/quizzes/questions/",
        f"/admin/quizzes/questions/edit/{question.pk}/",
        "/admin/snippets/cases/ruleitem/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = policy(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'", "'unsafe-inline'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'self'"]
        html = response.content.decode()
        # Every script the admin loads comes from our own origin.
        for src in re.findall(r'<script[^>]+src="([^"]+)"', html):
            assert src.startswith("/"), src
    # The site's pages keep the strict policy in the same session.
    assert policy(client.get("/exams/"))["script-src"] == ["'self'"]


def test_admin_login_page_carries_a_policy(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert policy(response)["default-src"] == ["'self'"]


# Login lock-out (django-axes) ---------------------------------------------------------------------


def login(client, username, password, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_on_this_computer(demo_org):
    client = Client()
    for _ in range(4):
        response = login(client, "DL1020", "wrong-password")
        assert response.status_code == 200 and WRONG in response.content.decode()
    response = login(client, "DL1020", "wrong-password")  # the 5th
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "15 分钟" in html and 'href="/accounts/login/"' in html
    assert policy(response)["script-src"] == ["'self'"]
    # Even the right password does not get in now.
    response = login(client, "DL1020", DEMO_PASSWORD)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another person at the same computer is not affected ...
    other = Client()
    assert login(other, "DL1021", DEMO_PASSWORD).status_code == 302
    assert other.get("/me/").status_code == 200
    # ... nor the same person at another computer.
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    assert login(elsewhere, "DL1020", DEMO_PASSWORD).status_code == 302


def test_lock_out_ends_after_fifteen_minutes(demo_org):
    client = Client()
    for _ in range(5):
        login(client, "DL1020", "wrong-password")
    assert login(client, "DL1020", DEMO_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(client, "DL1020", DEMO_PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(demo_org):
    client = Client()
    for _ in range(4):
        login(client, "DL1020", "wrong-password")
    assert login(client, "DL1020", DEMO_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        response = login(client, "DL1020", "wrong-password")
        assert response.status_code == 200 and WRONG in response.content.decode()
    assert login(client, "DL1020", DEMO_PASSWORD).status_code == 302


def test_wagtail_admin_login_is_locked_out_too(demo_org):
    client = Client()
    for _ in range(5):
        response = login(client, "editor", "wrong-password", url="/admin/login/")
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and 'href="/admin/login/"' in html
    response = login(client, "editor", DEMO_PASSWORD, url="/admin/login/")
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302  # still not signed in
    # Both login forms count against the same username and address.
    assert login(client, "editor", DEMO_PASSWORD).status_code == 429


def test_unknown_usernames_are_locked_out_without_revealing_anything(demo_org):
    client = Client()
    for _ in range(5):
        response = login(client, "NOBODY", "wrong-password")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert not get_user_model().objects.filter(username="NOBODY").exists()


# Passwords and production settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "密码太短"),
        ("Password1!", "这个密码太常见了"),
        ("73920561847", "至少 3 类"),
        ("Dl1022x9#abc", "密码不能包含用户名"),
    ],
)
def test_password_rules(user_by_username, password, message):
    user = user_by_username("DL1022")
    with pytest.raises(ValidationError) as error:
        validate_password(password, user)
    assert any(message in text for text in error.value.messages), error.value.messages
    validate_password("Xin#2026mima", user)  # a good one passes


def test_production_cookies_hsts_and_policy():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
        "'httponly': s.SESSION_COOKIE_HTTPONLY, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'ssl': s.SECURE_SSL_REDIRECT, 'debug': s.DEBUG, "
        "'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'], "
        "'backends': s.AUTHENTICATION_BACKENDS, 'middleware': s.MIDDLEWARE[-1], "
        "'validators': [v['NAME'] for v in s.AUTH_PASSWORD_VALIDATORS]}))"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "SECRET_KEY": "x7!kq2#p9$w" * 6,
            "ALLOWED_HOSTS": "training.example.cn",
        },
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["session_secure"] and values["csrf_secure"] and values["httponly"]
    assert values["hsts"] >= 31536000 and values["ssl"] and not values["debug"]
    assert values["csp"] == ["'self'"]
    assert values["backends"][0] == "axes.backends.AxesStandaloneBackend"
    assert values["middleware"] == "axes.middleware.AxesMiddleware"
    assert values["validators"] == [
        "portal.organisation.passwords.EnterprisePasswordValidator",
        "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "django.contrib.auth.password_validation.CommonPasswordValidator",
    ]


# The audit log ------------------------------------------------------------------------------------


def audit_rows():
    return list(
        AuditEntry.objects.order_by("pk").values_list(
            "pk", "record_id", "field", "old_value", "new_value", "reason", "changed_by_id"
        )
    )


def test_no_view_changes_or_deletes_an_audit_entry(user_by_username, team_leader, staff_user):
    """Every role, every admin URL of the log (edit, delete, add, bulk delete) and every write
    URL of our own: the existing entries stay exactly as they were."""
    from tests.portal.test_access_matrix import MATRIX, ROLES, USERNAMES, build_world, post

    record = assessment.record_for(profile=staff_user.staff_profile, month=date(2026, 11, 1))
    assessment.update_components(
        record_id=record.pk, by=team_leader, values={"complaints": 1}, expected_version=1
    )
    entry = AuditEntry.objects.get(record=record, field="complaints")
    before = audit_rows()
    tamper = {
        "reason": "篡改",
        "old_value": "9",
        "new_value": "9",
        "field": "complaints",
        "record": record.pk,
    }
    admin_urls = [
        f"/admin/assessment_audit/edit/{entry.pk}/",
        f"/admin/assessment_audit/delete/{entry.pk}/",
        "/admin/assessment_audit/new/",
        f"/admin/bulk/assessment/auditentry/delete/?id={entry.pk}",
        f"/admin/assessment_audit/inspect/{entry.pk}/",
    ]
    world = build_world(staff_user, team_leader)
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(user_by_username(USERNAMES[role]))
        for url in admin_urls:
            assert client.post(url, tamper).status_code in (302, 403, 404, 405), (role, url)
        for route, row in MATRIX.items():
            if row.post is not None and "logout" not in route:
                post(client, row.url(world), {**tamper, "id": entry.pk})
    after = audit_rows()
    assert after[: len(before)] == before  # later rows are new entries (a lock, a void …)
    assert AuditEntry.objects.filter(reason="篡改").count() == 0


# NUL characters (PostgreSQL cannot store or compare them) -----------------------------------------


def test_a_nul_anywhere_in_a_request_is_refused_with_a_chinese_message(client, staff_user):
    from tests.portal.test_access_matrix import snapshot

    attempt = services.start_attempt(
        exam=make_exam(make_blueprint(("单选", [QuestionType.SINGLE], 2, 5), name="NUL")),
        user=staff_user,
        now=timezone.now(),
    )
    client.force_login(staff_user)
    before = snapshot()
    for response in (
        client.get("/people/", {"unit": "CG\x00"}),
        client.get("/people/DL10%0020/"),
        client.get("/search/", {"q": "停电\x00"}),
        client.post("/accounts/password/", {"old_password": "\x00", "new_password1": "a"}),
    ):
        assert response.status_code == 400
        assert "无效的空字符" in response.content.decode()
        assert policy(response)["script-src"] == ["'self'"]
    reply = client.post(
        f"/attempts/{attempt.public_id}/answers/",
        json.dumps({"position": 1, "response": "\x00"}),
        content_type="application/json",
    )
    assert reply.status_code == 400 and "无效的空字符" in reply.json()["error"]
    assert reply.json()["saved"] is False
    client.cookies["sessionid"] = "abcdefgh\x00ijk"
    assert client.get("/exams/").status_code == 400
    assert snapshot() == before


def test_text_without_nul_still_passes(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/search/", {"q": "停电 \\u0000 %00"}).status_code == 200
