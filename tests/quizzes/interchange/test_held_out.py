"""The importer on what held-out Moodle files showed (issue 20): GIFT sniffing of essays and
category-only files, <pre> blocks, a blank before punctuation, questions that cannot be represented
(skipped and named, or refused with --strict), grades Moodle refuses, and the command's streams.
Each case has its own small file under files/heldout/, written for these tests."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quizzes.bank.answers import BLANK
from quizzes.interchange.base import Severity
from quizzes.interchange.formats import detect_format, read_file
from quizzes.interchange.importing import apply_import, build_preview
from quizzes.models import Question, QuestionCategory, QuestionType

FILES = Path(__file__).parent / "files" / "heldout"


def read(name: str):
    data = (FILES / name).read_bytes()
    return read_file(data, name)


@pytest.mark.parametrize(
    ("name", "filename"),
    [
        ("essays_only.gift", "essays_only.txt"),
        ("essays_only.gift", "essays_only.gift"),
        ("categories_only.gift", "categories_only.txt"),
    ],
)
def test_gift_files_of_essays_or_categories_only_are_recognised(name, filename):
    assert detect_format((FILES / name).read_bytes(), filename) == "gift"


def test_an_essay_only_gift_file_reads_as_short_answers():
    result = read("essays_only.gift")
    assert result.format == "gift" and not result.errors
    assert [q.type for q in result.questions] == [QuestionType.SHORT, QuestionType.SHORT]
    assert result.questions[0].stem == "简述营业厅首问负责制的含义。"


def test_a_category_only_gift_file_declares_its_categories():
    result = read("categories_only.gift")
    assert not result.errors and not result.questions
    assert result.categories == ["营销服务/抄表收费", "营销服务/业扩报装"]


def test_pre_keeps_its_lines_and_indentation():
    result = read("pre_block.xml")
    assert not result.errors
    stem = result.questions[0].stem
    assert "户号      起码    止码\n0012    9981     0015\n  备注：  翻转" in stem
    assert stem.startswith("下面的抄表记录中")


def test_a_blank_before_punctuation_stays_a_blank():
    result = read("blank_before_punctuation.gift")
    assert not result.errors
    by_title = {q.title: q for q in result.questions}
    choice = by_title["计量点"]
    assert choice.stem == f"低压用户的电能计量装置原则上应安装在 {BLANK}。"
    assert choice.type == QuestionType.SINGLE and choice.answer == [0]
    fill = by_title["时限"]
    assert fill.stem == f"居民客户的故障报修，城区范围内抢修人员到达现场的时间一般不超过 {BLANK}！"
    assert fill.answer == [["45分钟", "四十五分钟"]]


@pytest.mark.django_db
def test_a_question_that_cannot_be_represented_is_skipped_and_named():
    result = read("wildcard_only.gift")
    assert not result.errors
    skipped = result.unrepresentable
    assert [(issue.line, issue.severity) for issue in skipped] == [(3, Severity.UNREPRESENTABLE)]
    assert "通配符题" in skipped[0].message and "通配符" in skipped[0].message
    preview = build_preview(result, category_prefix="留出测试")
    assert preview.ok and preview.count("create") == 2
    assert any(line.startswith("无法表示的题目，已跳过（1 道") for line in preview.summary_lines())
    batch = apply_import(preview, filename="wildcard_only.gift")
    assert batch.created_count == 2
    assert len(batch.report["unrepresentable"]) == 1


@pytest.mark.django_db
def test_strict_refuses_the_whole_file():
    preview = build_preview(read("wildcard_only.gift"), category_prefix="留出测试", strict=True)
    assert not preview.ok
    assert "严格模式" in preview.errors[0].message and preview.errors[0].line == 3


def test_an_aiken_question_with_only_dots_is_skipped_and_the_rest_read():
    result = read("aiken_dots.txt")
    assert not result.errors
    assert [q.stem[:6] for q in result.questions] == ["下列哪项是供", "客户申请增容"]
    assert [issue.line for issue in result.unrepresentable] == [7]


def test_grades_moodle_refuses_are_refused():
    result = read("invalid_grades.xml")
    assert not result.questions
    assert len(result.errors) == 1
    assert "33%" in result.errors[0].message and "Moodle" in result.errors[0].message


def test_gift_grades_are_checked_too():
    data = "::x::哪些对？{~%33%甲 ~%33%乙 ~%34%丙}\n".encode()
    result = read_file(data, "x.gift")
    assert result.errors and "33%" in result.errors[0].message
    allowed = "::y::哪些对？{~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~%-100%丁}\n".encode()
    assert not read_file(allowed, "y.gift").errors


@pytest.mark.django_db
def test_the_command_skips_or_with_strict_refuses(tmp_path):
    path = tmp_path / "w.gift"
    path.write_bytes((FILES / "wildcard_only.gift").read_bytes())
    out = io.StringIO()
    call_command("import_questions", str(path), "--category", "命令留出", stdout=out)
    assert "无法表示的题目，已跳过（1 道" in out.getvalue()
    assert Question.objects.filter(category__path__startswith="命令留出").count() == 2
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_questions",
            str(path),
            "--category",
            "命令严格",
            "--strict",
            stdout=out,
            stderr=err,
        )
    assert not QuestionCategory.objects.filter(path__startswith="命令严格").exists()
    assert "错误（1 处" in err.getvalue() and "严格模式" in err.getvalue()
    assert "错误（" not in out.getvalue() and "严格模式" not in out.getvalue()


@pytest.mark.django_db
def test_the_error_heading_and_its_lines_go_to_the_same_stream(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes((FILES / "invalid_grades.xml").read_bytes())
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), stdout=out, stderr=err)
    assert "错误（1 处，改正后才能导入）：" in err.getvalue()
    assert "33%" in err.getvalue() and "33%" not in out.getvalue()
