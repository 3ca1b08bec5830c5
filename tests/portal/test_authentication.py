"""Logging in safely: the client's address behind trusted proxies (a spoofed X-Forwarded-For
changes nothing), the per-address throttle, disabled accounts' passwords through the lock-out,
sessions that end when idle (and the exam paper's keep-alive), and the password policy."""

import itertools
import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.utils import timezone

from portal.organisation import idle, throttle
from quizzes.models import QuestionType
from quizzes.papers import services
from tests.conftest import DEMO_PASSWORD
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db

LOCKED = "登录已暂时锁定"
WRONG = "用户名（工号）或密码不正确"
DISABLED = "该账号已停用"
_addresses = (f"10.77.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def fresh_address() -> str:
    """An address no other test used (the throttle's counts live in the cache, not the database)."""
    return next(_addresses)


def login(client, username, password, url="/accounts/login/", **headers):
    return client.post(url, {"username": username, "password": password}, **headers)


# The client's address ---------------------------------------------------------------------------


def address_of(remote, forwarded=None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return throttle.client_address(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_connection_address_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert address_of("10.1.1.1", "6.6.6.6") == "10.1.1.1"


def test_behind_trusted_proxies_the_address_they_saw_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 1  # a load balancer appends the address it was called from
    assert address_of("10.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert address_of("10.0.0.1", "6.6.6.6, 203.0.113.7") == "203.0.113.7"  # client's entry
    assert address_of("10.0.0.1", "") == "10.0.0.1"  # did not come through the balancer
    assert address_of("10.0.0.1", "not-an-address") == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2  # a CDN, then the balancer
    assert address_of("10.0.0.1", "6.6.6.6, 203.0.113.7, 198.51.100.2") == "203.0.113.7"
    assert address_of("10.0.0.1", "203.0.113.7") == "10.0.0.1"


def test_a_spoofed_forwarded_for_does_not_escape_the_lock(demo_org, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    address = fresh_address()
    client = Client(REMOTE_ADDR=address)
    for number in range(5):  # a new made-up address in every request
        response = login(client, "DL1020", "wrong", HTTP_X_FORWARDED_FOR=f"1.2.3.{number}")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {address}
    response = login(client, "DL1020", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert response.status_code == 429


def test_behind_a_balancer_the_lock_follows_the_real_client(demo_org, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    balancer = Client(REMOTE_ADDR="10.0.0.1")
    for number in range(5):
        response = login(
            balancer, "DL1020", "wrong", HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 203.0.113.7"
        )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    locked = login(balancer, "DL1020", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="5.5.5.5, 203.0.113.7")
    assert locked.status_code == 429
    # The same person at another computer behind the same balancer is not locked: the lock is on
    # username AND address.
    other = Client(REMOTE_ADDR="10.0.0.1")
    response = login(other, "DL1020", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert response.status_code == 302


# The per-address throttle ---------------------------------------------------------------------


@pytest.fixture
def throttled(settings):
    settings.LOGIN_THROTTLE_FAILURES = 3
    settings.LOGIN_THROTTLE_WINDOW = 600
    return settings


def test_many_failures_from_one_address_slow_it_down(demo_org, throttled, monkeypatch):
    now = [999_999_800.0]  # 200 s into a 600 s window, at the start of a 10 s slot
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    address = fresh_address()
    client = Client(REMOTE_ADDR=address)
    for username in ("DL1001", "DL1002", "DL1003"):  # one guess each: no account is locked
        response = login(client, username, "wrong")
        assert response.status_code == 200 and WRONG in response.content.decode()
    # Over the limit: one attempt per 10 s from this address.
    assert login(client, "DL1004", "wrong").status_code == 200
    now[0] += 3
    response = login(client, "DL1020", DEMO_PASSWORD)  # within the same 10 s: waits
    html = response.content.decode()
    assert response.status_code == 429 and "尝试过于频繁，请 7 秒后再试" in html
    assert response["Retry-After"] == "7"
    assert "_auth_user_id" not in client.session
    # The Wagtail admin's login and Wagtail's own login page wait too.
    assert login(client, "editor", DEMO_PASSWORD, url="/admin/login/").status_code == 429
    assert login(client, "editor", DEMO_PASSWORD, url="/_util/login/").status_code == 429
    # Another address is not slowed down by these failures ...
    assert login(Client(REMOTE_ADDR=fresh_address()), "DL1020", DEMO_PASSWORD).status_code == 302
    # ... and a colleague behind this one gets in seconds later, not after the window:
    # no one is locked out by someone else's guessing.
    now[0] += 7
    assert login(client, "DL1020", DEMO_PASSWORD).status_code == 302


def test_a_throttled_attempt_never_reaches_the_password_check(demo_org, throttled, monkeypatch):
    monkeypatch.setattr(throttle, "clock", lambda: 999_999_800.0)
    client = Client(REMOTE_ADDR=fresh_address())
    for _ in range(3):
        login(client, "DL1020", "wrong")
    login(client, "DL1020", "wrong")  # the one attempt of this slot
    response = login(client, "DL1020", "wrong")
    assert response.status_code == 429 and "尝试过于频繁" in response.content.decode()
    assert AccessAttempt.objects.get().failures_since_start == 4  # the 5th never reached axes


def test_throttle_numbers_by_default():
    from portal.settings import base

    assert base.LOGIN_THROTTLE_FAILURES == 30 and base.LOGIN_THROTTLE_WINDOW == 600
    assert base.LOGIN_THROTTLE_DELAY == 10
    assert base.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]  # never username alone


# Disabled accounts ------------------------------------------------------------------------------


def test_a_disabled_account_is_locked_out_by_wrong_guesses(demo_org):
    assert not get_user_model().objects.get(username="DL1099").is_active
    client = Client(REMOTE_ADDR=fresh_address())
    for _ in range(4):
        response = login(client, "DL1099", "wrong-password")
        html = response.content.decode()
        assert response.status_code == 200 and WRONG in html and DISABLED not in html
    response = login(client, "DL1099", "wrong-password")  # the 5th
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # Locked out, the right password reveals nothing about the account.
    response = login(client, "DL1099", DEMO_PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429 and LOCKED in html and DISABLED not in html
    assert "_auth_user_id" not in client.session


def test_only_the_right_password_says_disabled_and_nobody_gets_in(demo_org):
    client = Client(REMOTE_ADDR=fresh_address())
    response = login(client, "DL1099", DEMO_PASSWORD)
    assert response.status_code == 200 and DISABLED in response.content.decode()
    assert "_auth_user_id" not in client.session
    for url in ("/admin/login/", "/_util/login/"):
        response = login(client, "DL1099", DEMO_PASSWORD, url=url)
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/me/").status_code == 302


def test_a_disabled_persons_session_is_dead(client, user_by_username):
    user = user_by_username("DL1099")
    client.force_login(user)  # (a session from before the account was disabled)
    assert client.get("/me/").status_code == 302


# Idle sessions ----------------------------------------------------------------------------------


@pytest.fixture
def at(monkeypatch):
    """Set the idle middleware's clock: at(seconds)."""

    def move(seconds: float) -> None:
        monkeypatch.setattr(idle, "clock", lambda: 1_800_000_000.0 + seconds)

    move(0)
    return move


def test_sessions_end_when_the_browser_closes(client, demo_org):
    response = login(client, "DL1020", DEMO_PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""


def test_an_idle_session_ends_with_a_message_on_the_login_page(client, demo_org, settings, at):
    assert settings.SESSION_IDLE_TIMEOUT == 1800
    login(client, "DL1020", DEMO_PASSWORD)
    assert client.get("/me/").status_code == 200
    at(1799)
    assert client.get("/me/").status_code == 200  # 29 minutes 59 seconds: still signed in
    at(1799 + 1801)
    response = client.get("/me/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    assert "由于 30 分钟内没有操作，已自动退出登录，请重新登录。" in html
    assert "_auth_user_id" not in client.session


def test_activity_is_written_at_most_once_a_minute(client, staff_user, at):
    client.force_login(staff_user)
    client.get("/me/")
    first = client.session[idle.LAST_ACTIVITY]
    at(59)
    response = client.get("/me/")
    assert client.session[idle.LAST_ACTIVITY] == first
    assert "sessionid" not in response.cookies  # the session was not saved again
    at(60)
    client.get("/me/")
    assert client.session[idle.LAST_ACTIVITY] == first + 60


@pytest.fixture
def paper(staff_user):
    blueprint = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 2, 5), name="空闲测试组卷")
    exam = make_exam(blueprint, title="空闲测试")
    return services.start_attempt(exam=exam, user=staff_user, now=timezone.now())


def test_the_open_paper_keeps_its_session_and_an_idle_save_is_refused(
    client, staff_user, paper, at
):
    client.force_login(staff_user)
    page = client.get(f"/attempts/{paper.public_id}/").content.decode()
    assert 'data-keepalive-url="/accounts/keepalive/"' in page
    for minutes in (25, 50, 75):  # pings while the paper is open: never idle
        at(minutes * 60)
        reply = client.post("/accounts/keepalive/", HTTP_ACCEPT="application/json")
        assert reply.status_code == 200 and reply.json()["alive"] is True
    at(75 * 60 + 1801)  # the computer slept
    save = client.post(
        f"/attempts/{paper.public_id}/answers/",
        json.dumps({"position": 1, "response": True}),
        content_type="application/json",
    )
    assert save.status_code == 401
    assert save.json()["saved"] is False and "已自动退出登录" in save.json()["error"]
    assert not paper.questions.exclude(response=None).exists()


def test_keepalive_needs_a_login_and_a_post(client, staff_user):
    assert client.post("/accounts/keepalive/").status_code == 302
    client.force_login(staff_user)
    assert client.get("/accounts/keepalive/").status_code == 405


def test_paper_script_pings_and_keeps_answers_when_signed_out():
    from django.conf import settings

    script = (settings.BASE_DIR / "quizzes/static/quizzes/paper.js").read_text()
    assert "keepaliveUrl" in script and "4 * 60 * 1000" in script
    assert "result.status === 401" in script


# Passwords --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!efg", "密码太短：至少需要 10 个字符（现有 7 个）"),
        ("abcdefghijk", "至少 3 类（还缺：大写字母、数字、符号）"),
        ("abcdefgh12", "（还缺：大写字母、符号）"),
        ("73920561847", "至少 3 类"),
        ("Xx#DL1022abc", "密码不能包含用户名（工号）"),
    ],
)
def test_password_policy_messages(user_by_username, password, message):
    user = user_by_username("DL1022")
    validate_password("Xin#2026mima", user)  # a good one passes
    with pytest.raises(ValidationError) as error:
        validate_password(password, user)
    assert any(message in text for text in error.value.messages), error.value.messages


def test_common_passwords_are_refused(user_by_username):
    with pytest.raises(ValidationError) as error:
        validate_password("Password1!", user_by_username("DL1022"))
    assert any("这个密码太常见了" in text for text in error.value.messages)


def test_help_text_is_chinese():
    texts = " ".join(password_validators_help_texts())
    assert "至少 10 个字符" in texts and "至少 3 类" in texts and "不能包含用户名" in texts


def test_every_demo_account_meets_the_policy(demo_org):
    users = get_user_model().objects.all()
    assert users.count() >= 49
    for user in users:
        assert user.check_password(DEMO_PASSWORD), user.username
        validate_password(DEMO_PASSWORD, user)


def test_a_weak_new_password_is_refused_in_chinese(client, user_by_username):
    user = user_by_username("DL1022")
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "abcdefghij",
            "new_password2": "abcdefghij",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "至少 3 类" in html
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)
