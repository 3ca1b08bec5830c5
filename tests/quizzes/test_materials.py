"""Case-analysis materials in the bank (issue 14): the figures `bank_report --json` gives on the
seeded bank, verify_sources over material quotes, anonymised material texts, the XLSX round trip of
the whole bank with its materials, and bad input — a material with no sub-question, a sub-question
whose key does not fit its options, a material row group without 材料 text — refused with a clear
Chinese message and nothing written."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook
from wagtail.test.utils.form_data import querydict_from_html

from cases.models import CasePage
from quizzes.interchange.formats import read_file
from quizzes.interchange.importing import (
    ImportRefused,
    apply_import,
    build_preview,
    questions_for_export,
)
from quizzes.interchange.spreadsheet.columns import HEADERS
from quizzes.interchange.spreadsheet.reader import read_xlsx
from quizzes.interchange.spreadsheet.writer import export_xlsx
from quizzes.models import Material, Question, QuestionImport

pytestmark = pytest.mark.django_db

MATERIALS = "/admin/quizzes/materials/"


# The seeded bank -------------------------------------------------------------------------------


def test_bank_report_json_gives_the_figures_the_issue_asks_for():
    out = io.StringIO()
    call_command("bank_report", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert isinstance(report["questions_active"], int) and report["questions_active"] > 600
    assert report["materials_active"] >= 30
    assert report["material_subquestions_min"] >= 4
    assert report["cases_covered"] >= 19 and report["cases_not_covered"] == []
    assert report["variants"] >= 12
    assert report["exclusion_groups"] >= 10
    assert report["materials_naming_case_title"] == 0
    # The figures are the bank's, not constants.
    active = Material.objects.filter(status="active")
    assert report["materials_active"] == active.count()
    assert report["variants"] == active.exclude(variant_of=None).count()
    assert report["cases_covered"] == active.values("case").distinct().count()


def test_bank_report_counts_a_material_that_names_its_case():
    material = Material.objects.filter(status="active", case__isnull=False).first()
    Material.objects.filter(pk=material.pk).update(text=f"{material.case.title}：{material.text}")
    out = io.StringIO()
    call_command("bank_report", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["materials_naming_case_title"] == 1
    assert report["materials_naming_case_title_codes"] == [material.code]
    text = io.StringIO()
    call_command("bank_report", stdout=text)
    assert f"材料中出现案例标题的：1 份（{material.code}）" in text.getvalue()


def test_the_bank_report_page_shows_the_same_figures(client, editor_user):
    client.force_login(editor_user)
    response = client.get("/admin/quizzes/questions/report/")
    assert response.status_code == 200
    report = response.context["report"]
    html = response.content.decode()
    assert "题库概况" in html and str(report.materials_active) in html


def test_no_active_material_names_any_case_title():
    titles = list(CasePage.objects.values_list("title", flat=True))
    assert len(titles) >= 19
    for material in Material.objects.filter(status="active"):
        named = [title for title in titles if title and title in material.text]
        assert named == [], material.code
        assert 100 <= len(material.text) <= 700, material.code  # a scenario, not a headline


def test_every_material_has_a_source_quote_and_two_to_six_sub_questions():
    for material in Material.objects.filter(status="active").prefetch_related("subquestions"):
        assert material.source_id and material.quote.strip(), material.code
        assert 2 <= len(material.subquestions.all()) <= 6, material.code
        assert material.case_id and material.rules.exists(), material.code


def test_verify_sources_checks_material_quotes():
    out = io.StringIO()
    call_command("verify_sources", stdout=out)
    assert "案例分析材料" in out.getvalue()
    material = Material.objects.filter(status="active").exclude(quote="").first()
    material.quote = material.quote[:10] + "（杜撰的一句）" + material.quote[10:]
    material.save()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 条原文摘录在来源文件中找不到"):
        call_command("verify_sources", stdout=io.StringIO(), stderr=err)
    assert material.code in err.getvalue()


# The XLSX round trip of the whole bank --------------------------------------------------------


def comparable(question) -> tuple:
    if isinstance(question, Question):
        return (
            question.type,
            question.stem,
            list(question.options or []),
            list(question.answer),
            question.explanation,
            question.category.path,
            question.knowledge_point,
            question.difficulty,
            f"{question.default_score.normalize():f}",
            question.material.code if question.material_id else "",
        )
    return (
        question.type,
        question.stem,
        question.options,
        question.answer,
        question.explanation,
        question.category_path,
        question.knowledge_point,
        question.difficulty,
        f"{question.score.normalize():f}",
        question.material_key,
    )


def test_the_whole_bank_round_trips_through_xlsx_with_its_materials():
    bank = list(questions_for_export().select_related("category", "material"))
    assert any(q.material_id for q in bank) and len(bank) > 700
    result = read_xlsx(export_xlsx(bank))
    assert result.errors == []
    back = result.all_questions()
    # The file lists each material's rows together (its text on the first): compare the bank
    # and the file as sets of questions (the same number, each once), then the materials.
    assert len(back) == len(bank)
    assert sorted(map(comparable, back), key=repr) == sorted(map(comparable, bank), key=repr)
    # Each material comes back once, with its title and its sub-questions in order.
    by_key = {m.key: m for m in result.materials}
    for material in Material.objects.prefetch_related("subquestions"):
        parsed = by_key[material.code]
        assert parsed.title == material.title and parsed.text == material.text
        subs = sorted(material.subquestions.all(), key=lambda q: q.material_order)
        assert [q.stem for q in parsed.questions] == [q.stem for q in subs]


# Bad input -------------------------------------------------------------------------------------


def sheet(rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        cells = dict.fromkeys(HEADERS, "")
        cells.update(row)
        workbook.active.append([cells[h] for h in HEADERS])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def sub_row(stem, key="M1", **extra) -> dict:
    return {
        "题型": "单选题",
        "题干": stem,
        "选项A": "甲",
        "选项B": "乙",
        "答案": "A",
        "分类": "测试材料",
        "材料编号": key,
        **extra,
    }


def test_a_material_row_group_without_its_text_is_refused_naming_the_row(editor_user):
    rows = [sub_row("第一小题"), sub_row("第二小题")]
    before = (Question.objects.count(), Material.objects.count(), QuestionImport.objects.count())
    preview = build_preview(read_file(sheet(rows), "材料.xlsx"))
    messages = [(issue.line, issue.message) for issue in preview.errors]
    assert any(
        line == 2 and "各行都没有填写“材料”" in message and "M1" in message
        for line, message in messages
    ), messages
    with pytest.raises(ImportRefused, match="未导入任何试题"):
        apply_import(preview, user=editor_user)
    after = (Question.objects.count(), Material.objects.count(), QuestionImport.objects.count())
    assert after == before


def test_a_material_row_without_sub_questions_is_refused(editor_user):
    rows = [{"材料编号": "M2", "材料": "某供电所接到客户电话……（一段情境）", "分类": "测试材料"}]
    before = Material.objects.count()
    preview = build_preview(read_file(sheet(rows), "材料.xlsx"))
    assert any("材料“M2”没有小题" in issue.message for issue in preview.errors)
    with pytest.raises(ImportRefused):
        apply_import(preview, user=editor_user)
    assert Material.objects.count() == before


def test_a_material_with_one_sub_question_is_refused_and_nothing_is_imported(editor_user):
    text = "某供电所接到客户电话，反映家中突然停电……（一段情境）"
    rows = [sub_row("唯一的小题", key="M3", 材料=text), sub_row("一道普通试题", key="")]
    before = (Question.objects.count(), Material.objects.count())
    preview = build_preview(read_file(sheet(rows), "材料.xlsx"))
    messages = [(issue.line, issue.message) for issue in preview.errors]
    assert any(
        line == 2 and "材料“M3”只有 1 道小题" in message and "新材料至少要有 2 道" in message
        for line, message in messages
    ), messages
    with pytest.raises(ImportRefused):
        apply_import(preview, user=editor_user)
    assert (Question.objects.count(), Material.objects.count()) == before


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


def material_form(editor_client, material) -> dict:
    """The edit page's own form data, as the browser would post it unchanged."""
    html = editor_client.get(f"{MATERIALS}edit/{material.pk}/").content.decode()
    data = querydict_from_html(html, form_id="w-editor-form").dict()
    data["rules"] = [str(pk) for pk in material.rules.values_list("pk", flat=True)]
    return data


def seeded_material() -> Material:
    return Material.objects.filter(status="active").order_by("code").first()


def test_the_material_preview_shows_the_material_its_keys_and_figures(editor_client):
    material = seeded_material()
    response = editor_client.get(f"{MATERIALS}inspect/{material.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert material.text[:30] in html and material.quote[:20] in html
    for question in material.subquestions.all():
        assert question.stem[:20] in html
    assert "抽入试卷" in html and material.case.title in html


def test_the_material_editor_saves_its_own_form_unchanged(editor_client):
    material = seeded_material()
    data = material_form(editor_client, material)
    response = editor_client.post(f"{MATERIALS}edit/{material.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors


def test_a_material_with_no_sub_question_is_refused_and_nothing_changes(editor_client):
    material = seeded_material()
    subs = list(material.subquestions.values_list("pk", "stem"))
    data = material_form(editor_client, material)
    for n in range(int(data["subquestions-TOTAL_FORMS"])):
        data[f"subquestions-{n}-DELETE"] = "1"
    response = editor_client.post(f"{MATERIALS}edit/{material.pk}/", data)
    assert response.status_code == 200
    assert "材料至少要有 2 道小题" in response.content.decode()
    assert list(material.subquestions.values_list("pk", "stem")) == subs


def test_a_sub_question_whose_key_does_not_fit_its_options_is_refused(editor_client):
    material = seeded_material()
    subs = list(material.subquestions.order_by("material_order"))
    number = next(n for n, q in enumerate(subs) if q.type in ("single", "multiple"))
    question = subs[number]
    data = material_form(editor_client, material)
    letter = "ABCDEFGH"[len(question.options)]  # one past the last option
    data[f"subquestions-{number}-answer"] = letter
    data["text"] = material.text + "（不应保存的改动）"
    response = editor_client.post(f"{MATERIALS}edit/{material.pk}/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"只能填 A–{'ABCDEFGH'[len(question.options) - 1]}" in html
    material.refresh_from_db()
    question.refresh_from_db()
    assert "不应保存的改动" not in material.text and question.answer == subs[number].answer


def test_the_material_editor_refuses_a_text_naming_its_case(editor_client):
    material = seeded_material()
    data = material_form(editor_client, material)
    data["text"] = f"{material.case.title}。{material.text}"
    response = editor_client.post(f"{MATERIALS}edit/{material.pk}/", data)
    assert response.status_code == 200
    assert f"材料中出现了案例标题“{material.case.title}”" in response.content.decode()
    material.refresh_from_db()
    assert not material.text.startswith(material.case.title)
