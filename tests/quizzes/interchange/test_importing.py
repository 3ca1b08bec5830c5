"""The import service: preview (creates, updates, duplicates, every issue), the all-or-nothing write,
round trips through every export format, the Moodle files, and verify_sources."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from openpyxl import Workbook

from quizzes.interchange.base import FileRejected, ParsedQuestion, ParseResult
from quizzes.interchange.formats import EXPORT_FORMATS, FORMATS, read_file, write_file
from quizzes.interchange.importing import (
    Action,
    ImportRefused,
    apply_import,
    build_preview,
    questions_for_export,
)
from quizzes.interchange.spreadsheet.columns import HEADERS
from quizzes.interchange.spreadsheet.template import template_csv, template_xlsx
from quizzes.models import Material, Question, QuestionCategory, QuestionImport, QuestionType
from tests.quizzes.interchange.sample import sample_csv, sample_xlsx

pytestmark = pytest.mark.django_db

MOODLE = Path(settings.BASE_DIR).parent / "shared" / "interop" / "moodle"


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


def single(stem, category="测试导入", answer="A", **extra) -> dict:
    return {
        "题型": "单选题",
        "题干": stem,
        "选项A": "甲",
        "选项B": "乙",
        "答案": answer,
        "分类": category,
        **extra,
    }


def snapshot(question: Question) -> tuple:
    return (
        question.type,
        question.stem,
        question.options,
        question.answer,
        question.explanation,
        question.category.path,
        question.knowledge_point,
        question.difficulty,
        question.default_score,
    )


# Preview and write ----------------------------------------------------------------------------


def test_template_imports_then_reimports_unchanged(editor_user):
    before = Question.objects.count()
    preview = build_preview(read_file(sample_xlsx(), "模板.xlsx"), category_prefix="模板测试")
    assert preview.ok
    # One example of each type, and a material with a single-choice and a short sub-question.
    assert [(row.type, row.create) for row in preview.type_counts()] == [
        ("single", 2),
        ("multiple", 1),
        ("truefalse", 1),
        ("fill", 1),
        ("short", 2),
    ]
    assert preview.material_count(Action.CREATE) == 1
    assert "模板测试/礼仪/电话礼仪" in preview.new_categories
    assert Question.objects.count() == before  # the preview writes nothing

    batch = apply_import(preview, user=editor_user, filename="模板.xlsx")
    assert Question.objects.count() == before + 7
    imported = Question.objects.filter(import_batch=batch).select_related("category")
    material = Material.objects.get(import_batch=batch)
    assert material.code == f"imp-{batch.pk}-m1" and material.category.path == "模板测试/抄表收费"
    assert {q.code for q in imported} == {f"imp-{batch.pk}-{n}" for n in range(1, 6)} | {
        f"{material.code}-1",
        f"{material.code}-2",
    }
    assert list(
        material.subquestions.order_by("material_order").values_list("type", "material_order")
    ) == [("single", 1), ("short", 2)]
    assert all(q.source is None and q.status == Question.Status.ACTIVE for q in imported)
    phone = QuestionCategory.objects.get(path="模板测试/礼仪/电话礼仪")
    assert phone.parent.path == "模板测试/礼仪" and phone.parent.parent.parent is None
    assert batch.created_count == 7 and batch.created_by == editor_user
    single_codes = [c for c in batch.report["created"] if "-m" not in c]
    assert single_codes == sorted(single_codes, key=lambda c: int(c.split("-")[-1]))
    assert batch.report["materials_created"] == [material.code]

    again = build_preview(read_file(sample_csv(), "模板.csv"), category_prefix="模板测试")
    assert again.count(Action.UNCHANGED) == 7 and again.count(Action.CREATE) == 0
    assert again.material_count(Action.UNCHANGED) == 1
    assert {item.existing_code for item in again.duplicates} == {q.code for q in imported}


def test_a_changed_question_is_updated_and_an_identical_one_left_alone(editor_user):
    apply_import(
        build_preview(read_file(sheet([single("题一"), single("题二")]), "a.xlsx")),
        user=editor_user,
    )
    question = Question.objects.get(stem="题一")
    # Same stem after normalising (full-width, punctuation, spaces, Traditional): a duplicate.
    rows = [single(" 题一！", answer="B", 解析="新解析"), single("题二")]
    preview = build_preview(read_file(sheet(rows), "b.xlsx"))
    assert [item.action for item in preview.planned] == [Action.UPDATE, Action.UNCHANGED]
    assert "内容不同，将更新" in preview.planned[0].duplicate_note
    batch = apply_import(preview, user=editor_user)
    question.refresh_from_db()
    assert question.answer == [1] and question.explanation == "新解析" and question.stem == "题一！"
    assert batch.updated_count == 1 and batch.unchanged_count == 1 and batch.created_count == 0
    assert Question.objects.filter(stem="题二").count() == 1


def test_duplicates_within_the_file_keep_the_first_row_and_name_both_lines():
    rows = [
        single("重复的题"),
        single("另一题"),
        single("重复的题。"),
        single("重复的题", category="别的分类"),
    ]
    preview = build_preview(read_file(sheet(rows), "dup.xlsx"))
    assert [item.action for item in preview.planned] == [
        Action.CREATE,
        Action.CREATE,
        Action.SKIP,
        Action.CREATE,
    ]
    skipped = preview.planned[2]
    assert skipped.duplicate_of_line == 2 and skipped.parsed.line == 4
    assert "第 4 行：与第 2 行的题干相同（同一分类），本行跳过。" in [
        str(i) for i in preview.warnings
    ]


def test_a_seeded_question_in_its_own_category_is_found_as_a_duplicate():
    seeded = (
        Question.objects.filter(type=QuestionType.SINGLE, material__isnull=True)
        .select_related("category")
        .first()
    )
    rows = [single(seeded.stem, category=seeded.category.path)]
    preview = build_preview(read_file(sheet(rows), "seed.xlsx"))
    assert preview.planned[0].action == Action.UPDATE  # different options and answer
    assert preview.planned[0].existing_code == seeded.code


def test_errors_refuse_the_whole_file_and_write_nothing(editor_user):
    rows = [
        single("好题"),
        single("坏题", answer="Z"),
        {"题型": "判断题", "题干": "判断", "答案": "也许"},
        single(""),
    ]
    before, batches = Question.objects.count(), QuestionImport.objects.count()
    preview = build_preview(read_file(sheet(rows), "bad.xlsx"))
    assert [(issue.line, issue.column) for issue in preview.errors] == [
        (3, "K（答案）"),
        (4, "K（答案）"),
        (5, "B（题干）"),
    ]
    with pytest.raises(ImportRefused, match="文件有 3 处错误，未导入任何试题"):
        apply_import(preview, user=editor_user)
    assert Question.objects.count() == before and QuestionImport.objects.count() == batches
    assert not QuestionCategory.objects.filter(path="测试导入").exists()


def test_questions_from_other_readers_are_validated_too():
    result = ParseResult(format="gift")
    result.questions = [
        ParsedQuestion(type="single", stem="没有答案", options=["甲", "乙"], answer=[], line=3),
        ParsedQuestion(type="short", stem="没有要点的问答题", answer=[], line=7),
        ParsedQuestion(
            type="single",
            stem="分类太长",
            options=["甲", "乙"],
            answer=[0],
            category_path="长" * 101,
            line=9,
        ),
    ]
    preview = build_preview(result)
    assert [(i.line, i.message) for i in preview.errors] == [
        (3, "正确答案必须是选项中的一项或几项。"),
        (9, f"分类“{'长' * 40}”中有名称超过 100 个字。"),
    ]
    short = next(item for item in preview.planned if item.parsed.line == 7)
    assert short.status == Question.Status.DRAFT  # no key points: waits for the editor


BROKEN = {
    "truncated xlsx": (template_xlsx()[:3000], "t.xlsx", "Excel 文件不完整或已损坏"),
    "not what its name says": (template_csv(), "t.xlsx", "但内容看起来是文本"),
    "wrong encoding": (b"a,b\n\xff\xfe,c\n", "t.csv", "无法识别文件的编码"),
    "20 MB": (b"x" * (20 * 1024 * 1024), "t.csv", "文件太大"),
    "entity expansion": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b'<quiz><question type="truefalse"><questiontext><text>&lol2;</text></questiontext></question></quiz>',
        "t.xml",
        "",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_input_gives_a_message_and_writes_nothing(name, editor_user):
    data, filename, message = BROKEN[name]
    before, batches = Question.objects.count(), QuestionImport.objects.count()
    with pytest.raises((FileRejected, ImportRefused)) as refused:
        preview = build_preview(read_file(data, filename))
        apply_import(preview, user=editor_user)
    assert message in str(refused.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))
    assert Question.objects.count() == before and QuestionImport.objects.count() == batches


def test_category_prefix_nests_everything_and_default_category_takes_the_rest(editor_user):
    rows = [single("有分类", category="甲/乙"), single("无分类", category="")]
    plain = build_preview(read_file(sheet(rows), "c.xlsx"))
    assert [item.category_path for item in plain.planned] == ["甲/乙", "导入试题"]
    nested = build_preview(read_file(sheet(rows), "c.xlsx"), category_prefix=" 题库 / 2026 ")
    assert [item.category_path for item in nested.planned] == ["题库/2026/甲/乙", "题库/2026"]
    apply_import(nested, user=editor_user)
    assert QuestionCategory.objects.get(path="题库/2026/甲/乙").parent.path == "题库/2026/甲"
    assert QuestionCategory.objects.get(path="题库/2026").parent.path == "题库"


def test_apply_import_uses_a_bounded_number_of_queries(django_assert_max_num_queries, editor_user):
    rows = [single(f"批量题目 {n}", category=f"批量/第{n % 4}组") for n in range(200)]
    preview = build_preview(read_file(sheet(rows), "bulk.xlsx"))
    assert preview.count(Action.CREATE) == 200
    with django_assert_max_num_queries(25):
        batch = apply_import(preview, user=editor_user)
    assert batch.created_count == 200
    assert Question.objects.filter(import_batch=batch).count() == 200

    changed = [
        single(f"批量题目 {n}", category=f"批量/第{n % 4}组", answer="B") for n in range(200)
    ]
    update = build_preview(read_file(sheet(changed), "bulk.xlsx"))
    assert update.count(Action.UPDATE) == 200
    with django_assert_max_num_queries(25 + 200):  # Wagtail's search index updates row by row
        batch = apply_import(update, user=editor_user)
    assert batch.updated_count == 200


def test_a_pending_batch_is_applied_only_once(editor_user):
    data = sheet([single("只导入一次")])
    pending = QuestionImport.objects.create(
        file_name="once.xlsx", format="xlsx", created_by=editor_user, data=data
    )
    apply_import(build_preview(read_file(data, "once.xlsx")), user=editor_user, batch=pending)
    with pytest.raises(ImportRefused, match="已经导入过了"):
        apply_import(build_preview(read_file(data, "once.xlsx")), user=editor_user, batch=pending)
    assert Question.objects.filter(stem="只导入一次").count() == 1
    pending.refresh_from_db()
    assert pending.status == QuestionImport.Status.APPLIED and bytes(pending.data) == b""


# Round trips ----------------------------------------------------------------------------------


def sample_of_the_bank() -> list[Question]:
    """Questions of every type from the seeded bank (with sources, knowledge points, scores),
    and two case-analysis materials with all their sub-questions."""
    questions = []
    for qtype in QuestionType.values:
        questions += list(questions_for_export(qtype=qtype).filter(material__isnull=True)[:12])
    materials = Material.objects.order_by("code").values_list("pk", flat=True)[:2]
    return questions + list(questions_for_export().filter(material__in=list(materials)))


def exportable(questions: list[Question], fmt: str) -> list[Question]:
    # GIFT has no way to write a fill-in question with several blanks or a case-analysis
    # material; its writer leaves them out with a comment naming each one.
    if fmt == "gift":
        return [
            q
            for q in questions
            if not (q.type == "fill" and len(q.answer) > 1) and q.material_id is None
        ]
    return questions


def in_order(snapshots) -> list:
    return sorted(snapshots, key=repr)


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_importing_an_export_gives_back_the_same_questions(fmt, editor_user):
    questions = sample_of_the_bank()
    data = write_file(questions, fmt)
    expected = exportable(questions, fmt)
    assert fmt != "gift" or len(expected) < len(questions)
    for left_out in set(questions) - set(expected):
        assert left_out.code in data.decode()
    result = read_file(data, f"bank{FORMATS[fmt].extensions[0]}")
    assert result.errors == [] and len(result.all_questions()) == len(expected)
    assert len(result.materials) == (0 if fmt == "gift" else 2)

    # Into the bank it came from: every question is recognised and nothing changes (the seeded
    # bank even holds a few stems twice in one category: each matches its own).
    preview = build_preview(result)
    assert preview.ok
    assert preview.count(Action.UNCHANGED) == len(expected), [
        (item.existing_code, item.action)
        for item in preview.planned
        if item.action != Action.UNCHANGED
    ]

    # Into a fresh category: the copies equal the originals field by field.
    fresh = build_preview(result, category_prefix=f"回环{fmt}")
    repeated = fresh.count(Action.SKIP)
    batch = apply_import(fresh, user=editor_user)
    copies = Question.objects.filter(import_batch=batch).select_related("category")
    assert len(copies) == len(expected) - repeated
    # GIFT holds no difficulty, knowledge point or score: those take the defaults.
    carried = 6 if fmt == "gift" else 9
    copied = in_order(snapshot(q)[:carried] for q in copies)
    originals = in_order(
        (*snapshot(q)[:5], f"回环{fmt}/{q.category.path}", *snapshot(q)[6:])[:carried]
        for q in expected
    )
    if repeated:  # a spreadsheet row repeating an earlier one (same stem and category) is skipped
        assert all(s in originals for s in copied)
    else:
        assert copied == originals


# The Moodle project's own fixture files -------------------------------------------------------


def test_moodle_xml_file_imports_like_moodle_five_questions_in_four_categories(editor_user):
    result = read_file((MOODLE / "nested_categories_with_questions.xml").read_bytes(), "n.xml")
    preview = build_preview(result, category_prefix="Moodle")
    assert preview.ok and preview.unsupported == []
    assert sorted((row.type, row.create) for row in preview.type_counts()) == [
        ("short", 1),
        ("truefalse", 4),
    ]
    apply_import(preview, user=editor_user)
    paths = {"Moodle/Iota", "Moodle/Iota/Kappa", "Moodle/Iota/Kappa/Lambda", "Moodle/Iota/Mu"}
    assert paths <= set(QuestionCategory.objects.values_list("path", flat=True))
    assert Question.objects.filter(category__path__in=paths).count() == 5


def test_gift_file_imports_what_we_support_and_lists_the_rest():
    result = read_file((MOODLE / "questions.gift.txt").read_bytes(), "questions.gift.txt")
    preview = build_preview(result)
    assert preview.ok
    counts = {row.type: row.create for row in preview.type_counts()}
    assert counts == {"short": 1, "single": 1, "multiple": 1, "fill": 1, "truefalse": 3}
    assert sorted(preview.unsupported_counts()) == [("matching", 1), ("numerical", 1)]


def test_aiken_file_imports_two_single_choice_questions_with_answers_b_and_a():
    result = read_file((MOODLE / "questions.aiken.txt").read_bytes(), "questions.aiken.txt")
    preview = build_preview(result)
    assert preview.ok
    assert [(item.parsed.type, item.parsed.answer) for item in preview.planned] == [
        ("single", [1]),
        ("single", [0]),
    ]


# verify_sources -------------------------------------------------------------------------------


def test_verify_sources_counts_imported_questions_separately(editor_user):
    apply_import(
        build_preview(read_file(sheet([single("导入一"), single("导入二")]), "v.xlsx")),
        user=editor_user,
    )
    out = io.StringIO()
    call_command("verify_sources", stdout=out)
    report = out.getvalue()
    assert "导入题目（无来源文件）2 道" in report
    assert "全部原文摘录均可在来源文件中找到" in report
    assert f"试题：{Question.objects.exclude(source=None).exclude(quote='').count()} 条" in report


def test_export_filters_select_a_category_subtree_and_type(editor_user):
    rows = [
        single("甲类题", category="筛选甲"),
        single("甲类下级题", category="筛选甲/下级"),
        {"题型": "判断题", "题干": "甲类判断题", "答案": "对", "分类": "筛选甲", "难度": "难"},
        single("相似名称的题", category="筛选甲乙"),
    ]
    apply_import(build_preview(read_file(sheet(rows), "f.xlsx")), user=editor_user)
    root = QuestionCategory.objects.get(path="筛选甲")
    assert {q.stem for q in questions_for_export(category=root)} == {
        "甲类题",
        "甲类下级题",
        "甲类判断题",
    }
    assert {q.stem for q in questions_for_export(category=root, qtype="single")} == {
        "甲类题",
        "甲类下级题",
    }
    assert {q.stem for q in questions_for_export(category=root, difficulty=3)} == {"甲类判断题"}
    assert questions_for_export(status=Question.Status.RETIRED).filter(category=root).count() == 0
