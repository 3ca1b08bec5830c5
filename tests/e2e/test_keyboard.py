"""The exam can be taken with the keyboard alone: Tab, Space, arrow keys, typing and Enter, never
the mouse. Every focused control must show where the focus is."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from quizzes.models import Attempt, Exam, QuestionType

from .conftest import unique
from .helpers import STAFF, expect_saved, monthly_exam, points, right_answer, user

pytestmark = pytest.mark.e2e
MAX_TABS = 80

FOCUS_INFO = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.closest('fieldset.question');
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || '',
    value: el.value || '',
    text: (el.innerText || el.textContent || '').trim(),
    question: box ? box.id : '',
    focusVisible: el.matches(':focus-visible'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
  };
}"""


def focus(page: Page) -> dict | None:
    return page.evaluate(FOCUS_INFO)


def tab_until(page: Page, wanted, what: str) -> dict:
    """Press Tab until `wanted(focus)` holds; every stop on the way must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = focus(page)
        if info is None:
            continue
        assert info["focusVisible"] and (info["outline"] or info["shadow"]), (
            f"键盘焦点不可见：{info}"
        )
        if wanted(info):
            return info
    raise AssertionError(f"按 Tab {MAX_TABS} 次仍未到达{what}")


def in_question(position: int):
    return lambda info: info["question"] == f"q{position}"


def test_exam_with_the_keyboard_alone(open_session):
    staff = user(STAFF)
    title = unique("键盘作答")
    exam = monthly_exam(
        title,
        ("单选题", [QuestionType.SINGLE], 1, 25),
        ("多选题", [QuestionType.MULTIPLE], 1, 25),
        ("判断题", [QuestionType.TRUE_FALSE], 1, 25),
        ("填空题", [QuestionType.FILL], 1, 25),
        shuffle_questions=False,
    )
    session = open_session("keyboard")
    page = session.page
    session.login(STAFF)

    # From the exam list to the paper: Tab to the button, Enter.
    session.goto("/exams/")
    row = page.locator("section.exam-row", has=page.get_by_role("heading", name=title))
    button = row.get_by_role("button", name="开始考试")
    for _ in range(MAX_TABS * 2):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("按 Tab 无法到达“开始考试”按钮")
    page.keyboard.press("Enter")
    expect(page.locator("#paper")).to_be_visible()
    page.wait_for_load_state("networkidle")
    attempt = Attempt.objects.get(exam=exam, user=staff)
    items = {item.type: item for item in attempt.questions.all()}
    assert set(items) == {
        QuestionType.SINGLE,
        QuestionType.MULTIPLE,
        QuestionType.TRUE_FALSE,
        QuestionType.FILL,
    }

    # The skip link is the first stop and takes the focus past the navigation.
    page.keyboard.press("Tab")
    assert focus(page)["text"] == "跳到正文"
    page.keyboard.press("Enter")

    # Single choice: Tab into the group, Space picks the first option, arrows move the choice.
    single = items[QuestionType.SINGLE]
    tab_until(page, in_question(single.position), "单选题")
    page.keyboard.press("Space")
    for _ in range(single.answer_key[0]):
        page.keyboard.press("ArrowDown")
    session.shot("01-single")

    # Multiple choice: every box is a Tab stop; Space ticks the right ones.
    multiple = items[QuestionType.MULTIPLE]
    info = tab_until(page, in_question(multiple.position), "多选题")
    for index in range(len(multiple.options)):
        assert info["type"] == "checkbox" and info["value"] == str(index)
        if index in multiple.answer_key:
            page.keyboard.press("Space")
        if index < len(multiple.options) - 1:
            page.keyboard.press("Tab")
            info = focus(page)

    # True / false: a radio group like the single choice.
    truefalse = items[QuestionType.TRUE_FALSE]
    info = tab_until(page, in_question(truefalse.position), "判断题")
    assert info["value"] == "true"
    if truefalse.answer_key[0] is True:
        page.keyboard.press("Space")
    else:
        page.keyboard.press("ArrowDown")

    # Fill in the blanks: type, Tab to the next blank; Enter in a blank must not leave the page.
    fill = items[QuestionType.FILL]
    tab_until(page, in_question(fill.position), "填空题")
    for index, text in enumerate(right_answer(fill)):
        if index:
            page.keyboard.press("Tab")
        page.keyboard.type(text)
    page.keyboard.press("Enter")
    session.shot("02-all-answered")

    for item in items.values():
        expect_saved(page, item.position)
    assert urlsplit(page.url).path == f"/attempts/{attempt.public_id}/"  # still on the paper
    for item in attempt.questions.all():
        assert item.response == right_answer(item), item.get_type_display()

    # Submit: Tab to 交卷, Enter, and confirm the dialog.
    tab_until(page, lambda info: info["tag"] == "button" and info["text"] == "交卷", "交卷按钮")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/result/$"))
    page.wait_for_load_state("networkidle")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == attempt.max_score == 100
    expect(page.locator(".result-box .score strong")).to_have_text(points(attempt.score))
    # The per-question review waits for the exam to be over (a monthly exam).
    expect(page.locator("article.review")).to_have_count(0)
    Exam.objects.filter(pk=exam.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator("article.review.right")).to_have_count(4)
    session.shot("03-result")
