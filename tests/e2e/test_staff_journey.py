"""A counter clerk reads a case, practises its questions, sits the monthly exam, reloads the page
in the middle and finds every answer still there (from the server, not the browser's storage),
submits, and sees the result and the review."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import CasePage
from quizzes.models import PRACTICE_USAGES, AnswerRecord, Attempt, Exam, QuestionType
from quizzes.papers import services

from .conftest import unique
from .helpers import (
    STAFF,
    expect_saved,
    expect_shown,
    fill_in,
    monthly_exam,
    points,
    right_answer,
    user,
    wrong_answer,
)

pytestmark = pytest.mark.e2e


def a_case_with_questions() -> CasePage:
    """A case with questions practice may serve (active, not exam-only)."""
    return (
        CasePage.objects.live()
        .filter(questions__status="active", questions__usage__in=PRACTICE_USAGES)
        .distinct()
        .order_by("path")
        .first()
    )


def test_staff_reads_practises_sits_reloads_and_sees_the_review(open_session):
    staff = user(STAFF)
    # Practice is closed while a person sits an exam: finish any paper another journey left open.
    for left_open in Attempt.objects.filter(user=staff, status=Attempt.Status.IN_PROGRESS):
        services.submit_attempt(attempt_id=left_open.pk, now=timezone.now())
    case = a_case_with_questions()
    title = unique("营业二班月考")
    exam = monthly_exam(
        title,
        ("单选题", [QuestionType.SINGLE], 2, 10),
        ("多选题", [QuestionType.MULTIPLE], 1, 20),
        ("判断题", [QuestionType.TRUE_FALSE], 2, 10),
        ("填空题", [QuestionType.FILL], 1, 20),
        ("简答题", [QuestionType.SHORT], 1, 20),
    )
    session = open_session("staff")
    page = session.page

    session.login(STAFF)
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    session.shot("01-home")

    # Reads a case ---------------------------------------------------------------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="案例").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name=re.compile(re.escape(case.title))).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)
    expect(page.locator("article.case .case-section").first).to_be_visible()
    session.shot("02-case")

    # Practises its questions ----------------------------------------------------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="练习").click()
    page.wait_for_load_state("networkidle")
    by_case = page.locator("section", has=page.get_by_role("heading", name="按典型案例练习"))
    by_case.get_by_role("link", name=case.title, exact=True).click()
    expect(page.locator(".scope-label")).to_contain_text(case.title)
    session.shot("03-practice-question")
    before = AnswerRecord.objects.filter(user=staff, origin="practice").count()
    form = page.locator("form.practice-question")
    if form.locator("input[type=radio]").count():
        form.locator("input[type=radio]").first.check()
    elif form.locator("input[type=checkbox]").count():
        form.locator("input[type=checkbox]").first.check()
    elif form.locator("input[name=blank]").count():
        form.locator("input[name=blank]").first.fill("供电服务")
    else:
        form.locator("textarea").fill("热情接待，耐心解释。")
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator(".verdict-line")).to_have_text(re.compile("回答正确|回答错误"))
    expect(page.locator(".right-answer")).to_contain_text("正确答案")
    session.shot("04-practice-feedback")
    record = AnswerRecord.objects.filter(user=staff, origin="practice").order_by("-pk").first()
    assert AnswerRecord.objects.filter(user=staff, origin="practice").count() == before + 1
    assert record.question.cases.filter(pk=case.pk).exists()

    # Sits the monthly exam ------------------------------------------------------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的考试").click()
    page.wait_for_load_state("networkidle")
    row = page.locator("section.exam-row", has=page.get_by_role("heading", name=title))
    expect(row.locator(".state")).to_have_text("可参加")
    session.shot("05-exam-list")
    row.get_by_role("button", name="开始考试").click()
    expect(page.locator("#paper")).to_be_visible()
    attempt = Attempt.objects.get(exam=exam, user=staff)
    items = list(attempt.questions.order_by("position"))
    assert [item.type for item in items].count(QuestionType.SHORT) == 1

    # One objective answer wrong on purpose, so the review shows both verdicts.
    wrong_position = next(i.position for i in items if i.type == QuestionType.SINGLE)
    answers = {
        item.position: wrong_answer(item) if item.position == wrong_position else right_answer(item)
        for item in items
    }
    first_half, second_half = items[: len(items) // 2 + 1], items[len(items) // 2 + 1 :]
    for item in first_half:
        fill_in(page, item, answers[item.position])
    for item in first_half:
        expect_saved(page, item.position)
    expect(page.locator("#answered-count")).to_have_text(str(len(first_half)))
    session.shot("06-paper-half-answered")

    # Reloads in the middle: the browser's own copy is wiped first, so whatever the page shows
    # afterwards came from the server.
    page.evaluate("localStorage.clear()")
    page.reload()
    page.wait_for_load_state("networkidle")
    for item in first_half:
        expect_shown(page, item, answers[item.position])
        expect_saved(page, item.position)
    expect(page.locator("#answered-count")).to_have_text(str(len(first_half)))
    session.shot("07-paper-after-reload")

    for item in second_half:
        fill_in(page, item, answers[item.position])
    for item in second_half:
        expect_saved(page, item.position)
    for item in attempt.questions.order_by("position"):
        assert item.response == answers[item.position], item.position
    session.shot("08-paper-all-answered")

    # Submits ---------------------------------------------------------------------------------
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="交卷").click()
    page.wait_for_url(re.compile(r"/result/$"))
    page.wait_for_load_state("networkidle")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.PENDING_REVIEW  # the short answer waits for marking
    objective = sum(item.max_score for item in items if item.type != QuestionType.SHORT) - next(
        item.max_score for item in items if item.position == wrong_position
    )
    provisional = attempt.questions.get(type=QuestionType.SHORT).awarded
    assert attempt.score == objective + provisional

    # The result and the review ---------------------------------------------------------------
    expect(page.locator(".result-box .score strong")).to_have_text(points(attempt.score))
    expect(page.locator(".result-box")).to_contain_text("简答题正在等待阅卷")
    # A monthly exam shows no key while others may still be sitting it ...
    expect(page.locator(".review-note")).to_contain_text("结束作答后公布")
    expect(page.locator("article.review")).to_have_count(0)
    session.shot("09a-result-before-close")
    # ... and the review once the exam is over.
    Exam.objects.filter(pk=exam.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    page.reload()
    page.wait_for_load_state("networkidle")
    reviews = page.locator("article.review")
    expect(reviews).to_have_count(len(items))
    expect(page.locator("article.review.wrong")).to_have_count(1)
    expect(page.locator("article.review.right")).to_have_count(len(items) - 2)
    expect(page.locator("article.review.pending")).to_have_count(1)
    expect(page.locator("article.review.wrong .right-answer")).to_contain_text("正确答案")
    session.shot("09-result-review")

    page.get_by_role("link", name="← 我的考试").click()
    row = page.locator("section.exam-row", has=page.get_by_role("heading", name=title))
    expect(row.locator(".state")).to_have_text("待阅卷")
    session.shot("10-exam-list-after")
