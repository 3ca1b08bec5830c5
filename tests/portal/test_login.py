import pytest
from django.contrib.auth import get_user_model

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password, next_url=""):
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "next": next_url}
    )


def test_login_with_employee_number_and_logout(client, demo_org):
    response = login(client, "DL1020", DEMO_PASSWORD, "/me/")
    assert response.status_code == 302 and response["Location"] == "/me/"
    html = client.get("/me/").content.decode()
    assert "DL1020" in html and "营业二班" in html
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/me/").status_code == 302


def test_wrong_password_gets_a_chinese_message(client, demo_org):
    response = login(client, "DL1020", "wrong-password")
    assert response.status_code == 200
    assert "用户名（工号）或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_message(client, demo_org):
    response = login(client, "NOBODY", DEMO_PASSWORD)
    assert "用户名（工号）或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_user_is_told_the_account_is_disabled(client, demo_org):
    assert not get_user_model().objects.get(username="DL1099").is_active
    response = login(client, "DL1099", DEMO_PASSWORD)
    html = response.content.decode()
    assert "该账号已停用" in html
    assert "_auth_user_id" not in client.session
    # With a wrong password nothing about the account is revealed.
    response = login(client, "DL1099", "wrong-password")
    assert "该账号已停用" not in response.content.decode()


def test_empty_form_names_the_missing_fields(client, demo_org):
    html = login(client, "", "").content.decode()
    assert html.count("必需字段") == 2


def test_deactivated_user_loses_the_session(client, demo_org):
    login(client, "DL1021", DEMO_PASSWORD)
    assert client.get("/me/").status_code == 200
    get_user_model().objects.filter(username="DL1021").update(is_active=False)
    assert client.get("/me/").status_code == 302


def test_password_change(client, demo_org):
    login(client, "DL1022", DEMO_PASSWORD)
    response = client.post(
        "/accounts/password/",
        {"old_password": "bad", "new_password1": "Xin#2026mima", "new_password2": "Xin#2026mima"},
    )
    assert "你的旧密码不正确" in response.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert "密码太短：至少需要 10 个字符" in response.content.decode()
    assert get_user_model().objects.get(username="DL1022").check_password(DEMO_PASSWORD)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Xin#2026mima",
            "new_password2": "Xin#2026mima",
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username="DL1022").check_password("Xin#2026mima")


def test_editor_can_log_in_to_wagtail_admin(client, demo_org):
    response = client.post(
        "/admin/login/", {"username": "editor", "password": DEMO_PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
