"""An editor (培训专责) imports a question file in the Wagtail admin: the readable preview shows each
question with its status (the template's example row skipped with a note), a filter by status,
the import, the batch in 导入历史, and its undo."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from quizzes.interchange.spreadsheet.columns import HEADERS
from quizzes.interchange.spreadsheet.template import EXAMPLES
from quizzes.models import Question

from .conftest import ARTIFACTS, unique

pytestmark = pytest.mark.e2e


def question_file(category: str) -> bytes:
    rows = [
        {"题型": "单选题", "题干": f"{category} 接听电话应在铃响几声之内？", "选项A": "三声",
         "选项B": "五声", "答案": "A", "解析": "铃响三声内接听。", "分类": category},
        {"题型": "判断题", "题干": f"{category} 抄表员可以估抄。", "答案": "错", "分类": category},
        {"题型": "多选题", "题干": f"{category} 下列哪些是服务用语？", "选项A": "您好",
         "选项B": "请稍等", "选项C": "不知道", "答案": "A、B", "分类": category},
        # The template's first example, left in the file by mistake.
        {"题型": "单选题", "题干": EXAMPLES[0].stem, "选项A": "两声", "选项B": "三声",
         "选项C": "四声", "选项D": "五声", "答案": "B", "分类": category},
    ]  # fmt: skip
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append([row.get(header, "") for header in HEADERS])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_editor_imports_reads_the_preview_and_undoes_the_batch(open_session):
    category = unique("端到端导入")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{category}.xlsx"
    path.write_bytes(question_file(category))

    session = open_session("import")
    page = session.page
    session.login("editor")
    session.goto("/admin/quizzes/import/")
    page.get_by_label("题库文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_load_state("networkidle")

    expect(page.get_by_role("heading", name="逐题预览（共 4 道）")).to_be_visible()
    rows = page.locator("article.quiz-preview-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("新建")
    expect(rows.nth(0)).to_contain_text("接听电话应在铃响几声之内？")
    expect(rows.nth(0).locator(".quiz-right")).to_contain_text("三声")
    expect(rows.nth(3)).to_contain_text("模板自带的示例行，已跳过")
    session.shot("01-preview")

    page.get_by_role("link", name="跳过（1）").click()
    page.wait_for_load_state("networkidle")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(EXAMPLES[0].stem)
    session.shot("02-filtered")

    page.get_by_role("button", name="确认导入").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("新建 3 道").first).to_be_visible()
    assert Question.objects.filter(category__path=category).count() == 3

    page.get_by_role("link", name="查看本次导入（可撤销）").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("抄表员可以估抄")).to_be_visible()
    session.shot("03-batch")
    page.get_by_role("button", name="撤销本次导入").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已撤销").first).to_be_visible()
    assert Question.objects.filter(category__path=category).count() == 0

    session.goto("/admin/quizzes/imports/")
    expect(page.locator(".quiz-import-history")).to_contain_text(f"{category}.xlsx")
    expect(page.locator(".quiz-import-history")).to_contain_text("已撤销")
    session.shot("04-history")
