"""Import history and undo (issue 20): every applied import is recorded with its file's SHA-256 and
its questions; an undo deletes what nothing depends on, retires what papers or answers hold (with a
reason), restores what the import updated, and is recorded; the admin pages and the readable
preview (every question with its status and changes, filtered, paged; template rows skipped)."""

import hashlib

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quizzes.imports.models import ImportRecord
from quizzes.imports.services import UndoRefused, undo_import
from quizzes.interchange.formats import read_file
from quizzes.interchange.importing import apply_import, build_preview
from quizzes.interchange.spreadsheet.template import template_xlsx
from quizzes.models import AnswerRecord, Question, QuestionImport
from tests.quizzes.interchange.test_importing import sheet, single

pytestmark = pytest.mark.django_db

IMPORT = "/admin/quizzes/import/"


def run_import(data: bytes, name: str, user=None, **options) -> QuestionImport:
    preview = build_preview(read_file(data, name), **options)
    return apply_import(preview, user=user, filename=name, sha256=hashlib.sha256(data).hexdigest())


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


def test_an_import_is_recorded_with_its_hash_and_questions(editor_user):
    data = sheet([single("历史题一"), single("历史题二")])
    batch = run_import(data, "历史.xlsx", editor_user)
    record = ImportRecord.objects.get(batch=batch)
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(record.created_questions.values_list("code", flat=True)) == sorted(
        batch.report["created"]
    )
    assert not record.updated_questions.exists() and not record.undone


def test_undo_deletes_retires_and_restores(editor_user, staff_user):
    first = run_import(sheet([single("撤销题一"), single("撤销题二")]), "一.xlsx", editor_user)
    one, two = Question.objects.filter(import_batch=first).order_by("stem")
    AnswerRecord.objects.create(user=staff_user, question=two, origin="practice", is_correct=True)
    second = run_import(sheet([single("撤销题一", 解析="新的解析"), single("撤销题三")]), "二.xlsx")
    one.refresh_from_db()
    assert one.explanation == "新的解析"
    three = Question.objects.get(import_batch=second)

    record = undo_import(record=second.record, by=editor_user)
    assert record.undo_report["deleted"] == [three.code]
    assert record.undo_report["restored"] == [one.code]
    assert record.undone_by == editor_user and record.undone_at is not None
    one.refresh_from_db()
    assert one.explanation == "" and not Question.objects.filter(pk=three.pk).exists()
    with pytest.raises(UndoRefused, match="已经撤销过了"):
        undo_import(record=second.record, by=editor_user)

    record = undo_import(record=first.record, by=editor_user)
    assert record.undo_report["deleted"] == [one.code]
    assert record.undo_report["retired"] == [two.code]
    two.refresh_from_db()
    assert two.status == Question.Status.RETIRED and "一.xlsx" in two.retire_reason
    assert not Question.objects.filter(pk=one.pk).exists()


def test_history_pages_list_batches_and_undo_one(editor_client, editor_user):
    data = sheet([single("后台历史题")])
    batch = run_import(data, "后台历史.xlsx", editor_user)
    listing = editor_client.get(reverse("quiz_import_history")).content.decode()
    assert "后台历史.xlsx" in listing and hashlib.sha256(data).hexdigest()[:12] in listing
    url = reverse("quiz_import_batch", args=[batch.record.pk])
    page = editor_client.get(url).content.decode()
    assert "后台历史题" in page and "撤销本次导入" in page
    response = editor_client.post(url, follow=True)
    assert "已撤销“后台历史.xlsx”的导入：删除试题 1 道" in " ".join(
        str(m) for m in get_messages(response.wsgi_request)
    )
    assert not Question.objects.filter(stem="后台历史题").exists()
    assert "已撤销" in editor_client.get(reverse("quiz_import_history")).content.decode()


@pytest.mark.parametrize("who", ["staff_user", "hr_user"])
def test_people_without_the_permission_cannot_see_or_undo(client, request, who, editor_user):
    batch = run_import(sheet([single("无权题")]), "无权.xlsx", editor_user)
    client.force_login(request.getfixturevalue(who))
    url = reverse("quiz_import_batch", args=[batch.record.pk])
    assert client.get(reverse("quiz_import_history")).status_code in (302, 403)
    assert client.post(url).status_code in (302, 403)
    assert Question.objects.filter(stem="无权题").exists()


def upload(client, content: bytes, name: str, **fields):
    data = {"file": SimpleUploadedFile(name, content), "format": "auto", "status": "active"}
    data.update(fields)
    return client.post(IMPORT, data)


def test_the_admin_upload_records_the_files_hash(editor_client):
    data = sheet([single("上传哈希题")])
    response = upload(editor_client, data, "哈希.xlsx")
    editor_client.post(response["Location"])
    record = ImportRecord.objects.get(batch__file_name="哈希.xlsx")
    assert record.sha256 == hashlib.sha256(data).hexdigest()


def test_the_preview_shows_every_question_with_status_and_changes(editor_client, editor_user):
    run_import(sheet([single("可读题一"), single("可读题二")]), "旧.xlsx", editor_user)
    data = sheet(
        [
            single("可读题一", answer="B", 解析="解析改了"),
            single("可读题二"),
            single("可读题三"),
            single("可读题四", answer="Z"),
        ]
    )
    response = upload(editor_client, data, "可读.xlsx")
    page = response.content.decode()  # a file with an error is shown at once, not kept
    rows = response.context["rows"]
    assert [(row.line, row.status_label) for row in rows] == [
        (2, "更新"),
        (3, "不变"),
        (4, "新建"),
        (5, "错误"),
    ]
    update = rows[0]
    assert ("答案", "A", "B") in update.changes and ("解析", "", "解析改了") in update.changes
    assert [(o.letter, o.text, o.right) for o in update.options] == [
        ("A", "甲", False),
        ("B", "乙", True),
    ]
    assert "可读题三" in page and "将要修改的内容" in page and "→ 解析改了" in page
    assert any("“Z”不是选项字母" in note for note in rows[3].notes)


def test_the_preview_filters_by_status(editor_client, editor_user):
    run_import(sheet([single("筛选题一")]), "旧.xlsx", editor_user)
    response = upload(editor_client, sheet([single("筛选题一"), single("筛选题二")]), "筛.xlsx")
    url = response["Location"]
    everything = editor_client.get(url)
    assert [row.status for row in everything.context["rows"]] == ["unchanged", "create"]
    assert "新建（1）" in everything.content.decode() and "不变（1）" in everything.content.decode()
    only_new = editor_client.get(url + "?status=create")
    assert [row.stem for row in only_new.context["rows"]] == ["筛选题二"]


def test_the_template_examples_are_skipped_with_a_note(editor_client):
    response = upload(editor_client, template_xlsx(), "试题导入模板.xlsx")
    page = editor_client.get(response["Location"])
    preview = page.context["preview"]
    assert preview.totals().create == 0 and len(preview.template_examples) == 7
    assert "模板自带的示例行，已跳过" in page.content.decode()
    assert {row.status for row in page.context["rows"]} == {"skip"}
    before = Question.objects.count()
    editor_client.post(response["Location"])
    assert Question.objects.count() == before


def test_a_large_file_is_paged(editor_client):
    data = sheet([single(f"分页题{n:03d}") for n in range(120)])
    response = upload(editor_client, data, "大.xlsx")
    first = editor_client.get(response["Location"])
    assert len(first.context["rows"]) == 50 and first.context["rows"].paginator.num_pages == 3
    third = editor_client.get(response["Location"] + "?page=3")
    assert [row.line for row in third.context["rows"]][-1] == 121
    assert "第 3 / 3 页" in third.content.decode()
