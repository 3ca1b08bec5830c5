"""manage.py import_questions / export_questions."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from quizzes.interchange.spreadsheet.reader import read_xlsx
from quizzes.interchange.spreadsheet.template import template_xlsx
from quizzes.models import Question, QuestionCategory, QuestionImport
from tests.quizzes.interchange.sample import sample_csv, sample_xlsx

pytestmark = pytest.mark.django_db

MOODLE = Path(settings.BASE_DIR).parent / "shared" / "interop" / "moodle"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def template_file(tmp_path) -> Path:
    path = tmp_path / "模板.xlsx"
    path.write_bytes(sample_xlsx())
    return path


def test_dry_run_prints_the_preview_and_writes_nothing(template_file):
    before = Question.objects.count()
    out, _ = run("import_questions", str(template_file), "--dry-run", "--category", "命令测试")
    # One example of each type, and a material with a single-choice and a short sub-question.
    assert "单选题：新建 2，更新 0，不变 0，跳过 0" in out
    assert "合计：新建 7，更新 0，不变 0，跳过 0" in out
    assert "案例分析材料：新建 1，更新 0，不变 0" in out
    assert (
        "将新建分类：命令测试、命令测试/供电质量、命令测试/抄表收费、命令测试/礼仪、"
        "命令测试/礼仪/电话礼仪、命令测试/营业" in out
    )
    assert "试运行（--dry-run）：文件没有错误，未写入任何内容。" in out
    assert Question.objects.count() == before
    assert not QuestionImport.objects.exists()
    assert not QuestionCategory.objects.filter(path__startswith="命令测试").exists()


def test_import_writes_once_and_a_second_run_changes_nothing(template_file, editor_user):
    before = Question.objects.count()
    out, _ = run(
        "import_questions", str(template_file), "--category", "命令测试", "--user", "editor"
    )
    assert "新建 7 道，更新 0 道，不变 0 道，跳过 0 道" in out
    batch = QuestionImport.objects.get()
    assert batch.created_by == editor_user and batch.file_name == "模板.xlsx"
    assert Question.objects.count() == before + 7
    assert (
        Question.objects.get(stem__startswith="【本单位】客户来电时").category.path
        == "命令测试/礼仪/电话礼仪"
    )

    csv_file = template_file.with_suffix(".csv")
    csv_file.write_bytes(sample_csv())
    out, _ = run("import_questions", str(csv_file), "--format", "csv", "--category", "命令测试")
    assert "新建 0 道，更新 0 道，不变 7 道" in out
    assert Question.objects.count() == before + 7


def test_errors_are_all_listed_and_nothing_is_written(tmp_path):
    path = tmp_path / "坏.csv"
    path.write_text(
        "题型,题干,选项A,选项B,答案\n单选题,好题,甲,乙,A\n单选题,,甲,乙,A\n连线题,题,,,A\n判断题,题,,,可能\n",
        encoding="gbk",
    )
    before = Question.objects.count()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="文件有 3 处错误（见上），未导入任何试题。"):
        call_command("import_questions", str(path), stdout=out, stderr=err)
    listing = out.getvalue() + err.getvalue()
    assert "第 3 行 B（题干） 列：题干为空。" in listing
    assert "第 4 行 A（题型） 列：题型“连线题”无法识别" in listing
    assert "第 5 行 E（答案） 列：判断题的答案请填“对”或“错”" in listing
    assert Question.objects.count() == before and not QuestionImport.objects.exists()


@pytest.mark.parametrize(
    "content,name,message",
    [
        (template_xlsx()[:2000], "截断.xlsx", "Excel 文件不完整或已损坏"),
        (b"plain text", "x.xlsx", "内容看起来是文本"),
        (b"", "empty.csv", "文件是空的"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("import_questions", str(path))
    assert not QuestionImport.objects.exists()


def test_a_file_of_20_mb_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    with pytest.raises(CommandError, match="文件太大"):
        run("import_questions", str(path))


def test_missing_file_and_unknown_user_are_refused(template_file):
    with pytest.raises(CommandError, match="找不到文件"):
        run("import_questions", "/nonexistent/题库.xlsx")
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        run("import_questions", str(template_file), "--user", "nobody")


@pytest.mark.parametrize(
    "file_name,created,unsupported",
    [
        ("nested_categories_with_questions.xml", 5, []),
        ("questions.gift.txt", 7, ["matching", "numerical"]),
        ("questions.aiken.txt", 2, []),
    ],
)
def test_each_moodle_fixture_file_imports_from_the_command_line(file_name, created, unsupported):
    out, _ = run("import_questions", str(MOODLE / file_name), "--category", "Moodle")
    assert f"新建 {created} 道" in out
    for type_name in unsupported:
        assert f"题型 {type_name} 本平台不支持" in out
    if unsupported:
        assert f"不支持的题型，未导入（{len(unsupported)} 道）" in out


def test_export_with_filters_reimports_identically(tmp_path, template_file):
    run("import_questions", str(template_file), "--category", "导出测试")
    output = tmp_path / "out" / "导出.xlsx"
    out, _ = run(
        "export_questions",
        "--format",
        "xlsx",
        "--output",
        str(output),
        "--category",
        "导出测试/礼仪",
        "--type",
        "single",
    )
    assert "已导出 1 道试题" in out
    questions = read_xlsx(output.read_bytes()).questions
    assert [(q.stem, q.category_path) for q in questions] == [
        ("【本单位】客户来电时，接听电话应在铃响几声之内？", "导出测试/礼仪/电话礼仪")
    ]
    out, _ = run("import_questions", str(output))
    assert "新建 0 道，更新 0 道，不变 1 道" in out


@pytest.mark.parametrize("fmt,suffix", [("moodlexml", ".xml"), ("gift", ".gift"), ("csv", ".csv")])
def test_export_of_a_difficulty_reimports_unchanged(tmp_path, fmt, suffix):
    output = tmp_path / f"bank{suffix}"
    out, _ = run(
        "export_questions",
        "--format",
        fmt,
        "--output",
        str(output),
        "--difficulty",
        "难",
        "--status",
        "active",
    )
    selected = Question.objects.filter(difficulty=3, status="active").count()
    exported = int(re.search(r"已导出 (\d+) 道试题", out).group(1))
    if fmt == "gift":
        # GIFT holds neither fill-in questions with several blanks nor a case-analysis material's
        # sub-questions: they are named.
        left_out = [
            q.code
            for q in Question.objects.filter(difficulty=3, status="active")
            if (q.type == "fill" and len(q.answer) > 1) or q.material_id
        ]
        assert exported == selected - len(left_out) and all(code in out for code in left_out)
    else:
        assert exported == selected
    out, _ = run("import_questions", str(output), "--dry-run")
    assert f"合计：新建 0，更新 0，不变 {exported}，跳过 0" in out


def test_export_refuses_unknown_category_and_difficulty(tmp_path):
    with pytest.raises(CommandError, match="分类“没有这个分类”不存在"):
        run(
            "export_questions",
            "--format",
            "xlsx",
            "--output",
            str(tmp_path / "x.xlsx"),
            "--category",
            "没有这个分类",
        )
    with pytest.raises(CommandError, match="难度只能是易、中、难"):
        run(
            "export_questions",
            "--format",
            "xlsx",
            "--output",
            str(tmp_path / "x.xlsx"),
            "--difficulty",
            "极难",
        )
