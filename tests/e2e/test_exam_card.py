"""A counter clerk starts the monthly exam from the home page, answers with the answer card
(答题卡: jump by mouse and by keyboard), flags a question, reloads and finds answer and flag kept;
their 班组长, in another browser, gives 15 minutes more and the open paper says so within 30
seconds without a save; leaving by the navigation asks first; the submit confirmation names the
unanswered and flagged questions; at time-up the page submits and says "时间到，已自动交卷" —
on a phone (bottom sheet) and a desktop (side panel)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quizzes.models import Attempt, AttemptQuestion, QuestionType
from quizzes.papers import services

from .conftest import unique
from .helpers import STAFF, TEAM_LEADER, expect_saved, fill_in, monthly_exam, right_answer, user

pytestmark = pytest.mark.e2e

# The page polls its status every 15 s: a change reaches it within 30 s.
LIVE_MS = 30_000


def seconds_shown(page) -> int:
    """The countdown as seconds ("mm:ss" or "h:mm:ss")."""
    total = 0
    for part in page.locator("#countdown").inner_text().split(":"):
        total = total * 60 + int(part)
    return total


def open_card(page, viewport: str):
    """The answer card: always shown beside the paper on a desktop; on a phone, a bottom sheet
    opened from the 答题卡 button of the sticky bar."""
    card = page.get_by_role("navigation", name="答题卡")
    if viewport == "phone":
        expect(card).to_be_hidden()
        toggle = page.get_by_role("button", name="答题卡", exact=True)
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(card).to_be_visible()
    return card


def test_exam_with_the_answer_card_a_flag_a_reload_and_live_extra_time(open_session, viewport):
    staff = user(STAFF)
    # One open paper at a time: finish any paper another journey left open.
    for left_open in Attempt.objects.filter(user=staff, status=Attempt.Status.IN_PROGRESS):
        services.submit_attempt(attempt_id=left_open.pk, now=timezone.now())
    title = unique("答题卡月考")
    exam = monthly_exam(
        title,
        ("单选题", [QuestionType.SINGLE], 4, 10),
        ("判断题", [QuestionType.TRUE_FALSE], 3, 10),
        shuffle_questions=False,
    )
    session = open_session("exam-card")
    page = session.page
    session.login(STAFF)

    # Home: the exam to do comes first, with its deadline ------------------------------------
    todo = page.locator("section.home-exams")
    expect(todo).to_contain_text(title)
    expect(todo).to_contain_text("截止")
    session.shot("01-home-exams-first")
    todo.locator("li", has_text=title).get_by_role("button", name="开始考试").click()
    expect(page.locator("#paper")).to_be_visible()
    attempt = Attempt.objects.get(exam=exam, user=staff)
    items = list(attempt.questions.order_by("position"))
    total = len(items)

    # Answers two questions; the card shows them answered ------------------------------------
    for item in items[:2]:
        fill_in(page, item, right_answer(item))
        expect_saved(page, item.position)
    card = open_card(page, viewport)
    expect(card.locator("[data-card-cell='1']")).to_have_class(re.compile(r"\banswered\b"))
    expect(card.locator("[data-card-cell='3']")).not_to_have_class(re.compile(r"\banswered\b"))
    expect(card.locator("#card-summary")).to_contain_text(f"未作答 {total - 2} 题")
    session.shot("02-card-open")

    # Jumps to question 4 with the keyboard ----------------------------------------------------
    cell = card.locator("[data-card-cell='4']")
    cell.focus()
    page.keyboard.press("Enter")
    question = page.locator("#q4")
    expect(question).to_be_focused()
    expect(question).to_be_in_viewport()
    expect(page.locator("[data-card-cell='4']")).to_have_attribute("aria-current", "true")
    if viewport == "phone":
        expect(page.get_by_role("navigation", name="答题卡")).to_be_hidden()

    # Flags it (标记): kept on the server -------------------------------------------------------
    flag = page.get_by_role("button", name="标记第 4 题")
    flag.click()
    expect(flag).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-card-cell='4']")).to_have_class(re.compile(r"\bflagged\b"))
    assert AttemptQuestion.objects.get(attempt=attempt, position=4).flagged
    session.shot("03-flagged")

    # Reloads: answers and flag come back from the server -------------------------------------
    page.evaluate("localStorage.clear()")
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("button", name="标记第 4 题")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#answered-count")).to_have_text("2")
    card = open_card(page, viewport)
    expect(card.locator("[data-card-cell='4']")).to_have_class(re.compile(r"\bflagged\b"))
    expect(card.locator("[data-card-cell='2']")).to_have_class(re.compile(r"\banswered\b"))
    expect(card.locator("[data-card-cell='4']")).to_have_attribute(
        "aria-label", re.compile("已标记")
    )
    if viewport == "phone":
        page.keyboard.press("Escape")
        expect(card).to_be_hidden()
    session.shot("04-after-reload")

    # The 班组长 gives 15 minutes more from the monitor, in another browser --------------------
    before = AttemptQuestion.objects.filter(attempt=attempt).values_list("saved_at", flat=True)
    saves_before = sorted(str(at) for at in before)
    saves = []
    page.on(
        "request", lambda request: saves.append(request.url) if "/answers/" in request.url else None
    )
    shown_before = seconds_shown(page)
    supervisor = open_session("exam-card-leader")
    supervisor.login(TEAM_LEADER)
    supervisor.goto(f"/team/exams/{exam.pk}/")
    row = supervisor.page.locator(f'tr[data-person="{staff.staff_profile.pk}"]')
    expect(row).to_have_attribute("data-state", "sitting")
    row.get_by_label("延长分钟数").fill("15")
    row.get_by_role("button", name="延长").click()
    expect(supervisor.page.locator(".messages")).to_contain_text("延长 15 分钟")
    attempt.refresh_from_db()
    assert attempt.extra_minutes == 15

    # ... and the open paper says so within 30 s, with no save in between.
    expect(page.locator("#paper-status")).to_have_text("班组长已为您延长 15 分钟", timeout=LIVE_MS)
    # 15 minutes more, less the seconds the poll took to arrive.
    assert seconds_shown(page) - shown_before >= 14 * 60
    assert saves == []
    after = sorted(
        str(at)
        for at in AttemptQuestion.objects.filter(attempt=attempt).values_list("saved_at", flat=True)
    )
    assert after == saves_before
    session.shot("05-extra-time-seen")

    # Leaving by the navigation asks first; staying keeps the paper ---------------------------
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="首页").click()
    expect(page.locator("#paper")).to_be_visible()
    assert asked and "尚未交卷" in asked[0]

    # The submit confirmation names the unanswered and the flagged questions -------------------
    asked.clear()
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="交卷", exact=True).click()
    expect(page.locator("#paper")).to_be_visible()
    unanswered = "、".join(str(item.position) for item in items[2:])
    assert f"未作答（{total - 2} 题）：第 {unanswered} 题" in asked[0]
    assert "已标记（1 题）：第 4 题" in asked[0]

    # Time is up (the deadline moved close, as when an exam's time runs out) ------------------
    attempt.refresh_from_db()
    attempt.deadline_at = timezone.now() + timedelta(seconds=3)
    attempt.save(update_fields=["deadline_at"])
    ended = page.locator("#paper-end")
    expect(ended).to_contain_text("时间到，已自动交卷", timeout=LIVE_MS + 10_000)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.auto_submitted
    session.shot("06-time-up")
    ended.get_by_role("link", name="查看成绩").click()
    page.wait_for_url(re.compile(r"/result/$"))
    expect(page.locator(".result-box")).to_contain_text("时间到，已自动交卷")
    session.shot("07-result")
