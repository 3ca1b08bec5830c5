"""导入试题 / 导出试题 in the Wagtail admin: upload → preview → confirm (once), downloads, access."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quizzes.interchange.spreadsheet.columns import HEADERS
from quizzes.interchange.spreadsheet.reader import read_csv, read_xlsx
from quizzes.interchange.spreadsheet.template import template_xlsx
from quizzes.models import Question, QuestionImport
from tests.quizzes.interchange.sample import sample_xlsx

pytestmark = pytest.mark.django_db

IMPORT = "/admin/quizzes/import/"
EXPORT = "/admin/quizzes/export/"


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


def upload(client, content: bytes, name: str = "题库.xlsx", **fields):
    data = {
        "file": SimpleUploadedFile(name, content),
        "format": "auto",
        "category": "",
        "status": "active",
    }
    data.update(fields)
    return client.post(IMPORT, data)


def csv_file(*rows: str) -> bytes:
    return ("\n".join([",".join(HEADERS[:4] + ["答案"]), *rows]) + "\n").encode("utf-8-sig")


def test_upload_preview_confirm_writes_once(editor_client, editor_user):
    before = Question.objects.count()
    response = upload(editor_client, sample_xlsx(), category="后台导入")
    pending = QuestionImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quiz_import_preview", args=[pending.token])
    assert pending.status == QuestionImport.Status.PENDING and pending.created_by == editor_user
    assert Question.objects.count() == before  # nothing written before the confirmation

    preview = editor_client.get(response["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "确认导入" in page and "后台导入/礼仪/电话礼仪" in page
    # One example of each type, and a case-analysis material with a single-choice and a short
    # sub-question.
    assert "案例分析材料（1 份" in page
    assert [(row.label, row.create) for row in preview.context["preview"].type_counts()] == [
        ("单选题", 2),
        ("多选题", 1),
        ("判断题", 1),
        ("填空题", 1),
        ("简答题", 2),
    ]

    confirmed = editor_client.post(response["Location"], follow=True)
    assert Question.objects.count() == before + 7
    assert "已导入“题库.xlsx”：新建 7 道" in " ".join(
        str(m) for m in get_messages(confirmed.wsgi_request)
    )
    pending.refresh_from_db()
    assert pending.status == QuestionImport.Status.APPLIED and bytes(pending.data) == b""

    again = editor_client.post(response["Location"], follow=True)
    assert Question.objects.count() == before + 7  # a second confirmation imports nothing
    assert "已经导入过了，没有重复导入" in " ".join(
        str(m) for m in get_messages(again.wsgi_request)
    )
    assert "已导入“题库.xlsx”" in again.content.decode()


def test_a_file_with_errors_shows_every_error_and_keeps_nothing(editor_client):
    content = csv_file(
        "单选题,好题,甲,乙,A", "单选题,,甲,乙,A", "判断题,题,,,也许", "多选题,多选,甲,乙,Z"
    )
    response = upload(editor_client, content, "坏.csv")
    page = response.content.decode()
    assert response.status_code == 200
    assert "发现 3 处错误，整个文件未导入" in page
    assert "第 3 行 B（题干） 列" in page and "题干为空。" in page
    assert "第 4 行 E（答案） 列" in page and "第 5 行 E（答案） 列" in page
    assert "确认导入" not in page
    assert not QuestionImport.objects.exists()


@pytest.mark.parametrize(
    "content,name,message",
    [
        (template_xlsx()[:2500], "截断.xlsx", "Excel 文件不完整或已损坏"),
        ("题型,题干\n".encode("utf-16"), "utf16.csv", "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "图片.xlsx", "像是图片、压缩包或其他二进制文件"),
        ("题型,题干\n单选题,题\n".encode(), "题库.xlsx", "但内容看起来是文本（CSV）文件"),
    ],
)
def test_an_unreadable_file_is_refused_on_the_form(editor_client, content, name, message):
    before = Question.objects.count()
    response = upload(editor_client, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Question.objects.count() == before and not QuestionImport.objects.exists()


def test_a_20_mb_upload_is_refused_before_it_is_read(editor_client):
    response = upload(editor_client, b"x" * (20 * 1024 * 1024), "大.csv")
    assert "文件太大" in response.content.decode()
    assert not QuestionImport.objects.exists()


def test_someone_elses_pending_import_cannot_be_seen_or_confirmed(
    client, editor_client, admin_user_demo
):
    upload(editor_client, sample_xlsx())
    pending = QuestionImport.objects.get()
    client.force_login(admin_user_demo)
    url = reverse("quiz_import_preview", args=[pending.token])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert client.get(reverse("quiz_import_preview", args=["not-a-token"])).status_code == 404
    pending.refresh_from_db()
    assert pending.status == QuestionImport.Status.PENDING


@pytest.mark.parametrize("who", ["staff_user", "team_leader", "hr_user"])
def test_people_without_admin_access_get_nowhere(client, request, who):
    client.force_login(request.getfixturevalue(who))
    for url in (IMPORT, EXPORT, reverse("quiz_import_template", args=["xlsx"])):
        response = client.get(url)
        assert response.status_code in (302, 403) and b"PK" not in response.content[:2]
    response = upload(client, template_xlsx())
    assert response.status_code in (302, 403)
    assert not QuestionImport.objects.exists()


def test_admin_access_without_question_permissions_is_refused(client):
    user = get_user_model().objects.create_user("viewer-only", password="x")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    # Wagtail turns a refusal in its admin into a redirect to the dashboard with a message.
    for response in (client.get(IMPORT), upload(client, template_xlsx()), client.get(EXPORT)):
        assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not QuestionImport.objects.exists()
    user.user_permissions.add(Permission.objects.get(codename="view_question"))
    user = get_user_model().objects.get(pk=user.pk)  # drop the cached permissions
    client.force_login(user)
    assert client.get(EXPORT).status_code == 200
    assert client.get(IMPORT).status_code == 302  # importing needs the right to add questions
    menu = client.get("/admin/").content.decode()
    assert EXPORT in menu and IMPORT not in menu


def test_menu_offers_import_and_export_to_editors(editor_client):
    page = editor_client.get("/admin/").content.decode()  # the sidebar is JSON in the page
    assert IMPORT in page and EXPORT in page
    assert "\\u5bfc\\u5165\\u8bd5\\u9898" in page or "导入试题" in page


def test_templates_download(editor_client):
    xlsx = editor_client.get(reverse("quiz_import_template", args=["xlsx"]))
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    assert len(read_xlsx(b"".join(xlsx.streaming_content)).questions) == 5
    csv = editor_client.get(reverse("quiz_import_template", args=["csv"]))
    assert len(read_csv(b"".join(csv.streaming_content)).questions) == 5
    assert editor_client.get("/admin/quizzes/import/template.exe").status_code == 404


def test_export_downloads_the_filtered_bank(editor_client):
    form = editor_client.get(EXPORT)
    assert form.status_code == 200 and "导出并下载" in form.content.decode()
    response = editor_client.get(EXPORT, {"format": "xlsx", "type": "truefalse", "difficulty": "1"})
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    questions = read_xlsx(b"".join(response.streaming_content)).all_questions()
    expected = Question.objects.filter(type="truefalse", difficulty=1).count()
    assert len(questions) == expected > 0
    assert {q.type for q in questions} == {"truefalse"} and {q.difficulty for q in questions} == {1}

    nothing = editor_client.get(EXPORT, {"format": "xlsx", "status": "draft"})
    assert not Question.objects.filter(status="draft").exists()
    assert "没有符合条件的试题" in nothing.content.decode()


def test_export_in_moodle_xml_reimports_through_the_admin_unchanged(editor_client):
    response = editor_client.get(
        EXPORT, {"format": "moodlexml", "type": "single", "difficulty": "3"}
    )
    data = b"".join(response.streaming_content)
    assert data.lstrip().startswith(b"<?xml")
    reply = upload(editor_client, data, "导出.xml")
    preview = editor_client.get(reply["Location"]).context["preview"]
    assert preview.count("create") == 0 and preview.count("update") == 0
    assert (
        preview.count("unchanged") == Question.objects.filter(type="single", difficulty=3).count()
    )
