"""Requests that must never become a 500 or leak a file: JSON bodies nested too deep or not JSON
at all get a Chinese 400; Wagtail documents and uploaded media need a login, in every mode."""

import json

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction

from quizzes.models import QuestionType
from quizzes.papers import services
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db

DEPTH = 100_000
BODIES = {
    "deep-arrays": b"[" * DEPTH + b"]" * DEPTH,
    "deep-objects": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "deep-in-answer": b'{"position": 1, "response": ' + b"[" * DEPTH + b"]" * DEPTH + b"}",
    "unclosed": b"[" * DEPTH,
    "invalid-utf8": b'{"position": 1, "response": "\xff\xfe"}',
    "nan": b'{"position": 1, "response": NaN}',
    "infinity": b'{"position": Infinity, "response": true}',
    "huge-float": b'{"position": 1, "response": 1e999}',
    "huge-int": b'{"position": ' + b"9" * 100_000 + b', "response": true}',
    "not-json": b"position=1&response=true",
    "empty": b"",
}


@pytest.fixture
def paper(staff_user):
    blueprint = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 2, 5), name="请求测试组卷")
    exam = make_exam(blueprint, title="请求测试")
    return services.start_attempt(exam=exam, user=staff_user, now=timezone.now())


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_bad_json_answers_get_a_chinese_400_and_save_nothing(name, client, staff_user, paper):
    client.force_login(staff_user)
    response = client.post(
        f"/attempts/{paper.public_id}/answers/", BODIES[name], content_type="application/json"
    )
    assert response.status_code == 400, response.content[:200]
    reply = response.json()
    assert reply["saved"] is False and chinese(reply["error"])
    assert not paper.questions.exclude(response=None).exists()


@pytest.mark.parametrize("name", ["deep-arrays", "deep-objects", "invalid-utf8", "nan"])
def test_bad_json_anywhere_is_refused_before_the_view(name, client, staff_user):
    client.force_login(staff_user)
    for url in ("/practice/answer/", "/accounts/keepalive/", "/accounts/login/"):
        response = client.post(url, BODIES[name], content_type="application/json")
        assert response.status_code == 400 and chinese(response.json()["error"]), url


def test_a_good_answer_still_saves(client, staff_user, paper):
    client.force_login(staff_user)
    response = client.post(
        f"/attempts/{paper.public_id}/answers/",
        json.dumps({"position": 1, "response": True}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["saved"] is True


def test_moderately_nested_json_is_fine():
    from django.test import RequestFactory

    from portal.security import JSON_MAX_DEPTH, JsonBodyRefused, parse_json_body

    def parse(body: bytes):
        request = RequestFactory().post("/", body, content_type="application/json")
        return parse_json_body(request)

    nested = b"[" * JSON_MAX_DEPTH + b"]" * JSON_MAX_DEPTH
    assert parse(nested) is not None
    # Brackets inside strings are text, not nesting.
    assert parse(json.dumps({"text": "[" * 1000}).encode()) == {"text": "[" * 1000}
    with pytest.raises(JsonBodyRefused, match="嵌套超过"):
        parse(b"[" + nested + b"]")


# Documents and media ----------------------------------------------------------------------------


@pytest.fixture
def on_disk(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    (tmp_path / "secret.txt").write_text("MEDIA_ROOT 之外的文件")
    return tmp_path


@pytest.fixture
def document(on_disk):
    item = Document.objects.create(title="培训资料（内部）")
    item.file.save("training.txt", ContentFile("供电服务培训资料".encode()), save=True)
    return item


def test_root_collection_needs_a_login():
    root = Collection.get_first_root_node()
    restriction = CollectionViewRestriction.objects.get(collection=root)
    assert restriction.restriction_type == CollectionViewRestriction.LOGIN


def test_a_document_needs_a_login(document, staff_user):
    response = Client().get(document.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    client = Client()
    client.force_login(staff_user)
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == "供电服务培训资料"


def test_a_document_in_a_child_collection_needs_a_login_too(on_disk):
    child = Collection.get_first_root_node().add_child(name="班组资料")
    item = Document.objects.create(title="班组资料", collection=child)
    item.file.save("team.txt", ContentFile(b"team"), save=True)
    assert Client().get(item.url).status_code == 302


def test_media_files_need_a_login(document, staff_user):
    url = document.file.url
    assert url.startswith("/media/")
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client = Client()
    client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == "供电服务培训资料"


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/documents/../../secret.txt",
        "/media/%2e%2e%2fsecret.txt",
        "/media//etc/passwd",
        "/media/documents/",
        "/media/no-such-file.txt",
    ],
)
def test_media_cannot_leave_media_root_or_list_folders(document, staff_user, path):
    client = Client()
    client.force_login(staff_user)
    response = client.get(path)
    # 400 where Django's safe_join refuses the path (logged as a SuspiciousFileOperation).
    assert response.status_code in (400, 404), path
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert "MEDIA_ROOT 之外".encode() not in body
