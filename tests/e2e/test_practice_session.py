"""A staff member starts a practice session of 10 questions from the practice home, tries to submit
without answering and gets our Chinese message (not the browser's bubble), answers with the
counter advancing, ends the session and reads the summary; the rules index opens the rule set a
table-of-contents link points at."""

import re

import pytest
from playwright.sync_api import expect

from .helpers import STAFF

pytestmark = pytest.mark.e2e


def answer_any(form) -> None:
    if form.locator("input[type=radio]").count():
        form.locator("input[type=radio]").first.check()
    elif form.locator("input[type=checkbox]").count():
        form.locator("input[type=checkbox]").first.check()
    elif form.locator("input[name=blank]").count():
        form.locator("input[name=blank]").first.fill("供电服务")
    else:
        form.locator("textarea").fill("热情接待，耐心解释。")


def test_practice_session_with_counter_messages_and_summary(open_session):
    session = open_session("practice-session")
    page = session.page
    # Signing in with nothing filled in: our Chinese message under the field, nothing sent.
    session.goto("/accounts/login/")
    form = page.locator("main form").first
    assert form.evaluate("form => form.noValidate") is True
    page.get_by_role("button", name="登录").click()
    expect(form.locator(".js-field-error").first).to_have_text("请填写此项。")
    assert page.url.endswith("/accounts/login/")
    session.shot("01-own-message")

    session.login(STAFF)
    session.goto("/practice/")
    card = page.locator("section.session-card")
    card.get_by_label("范围").select_option("random")
    card.get_by_label("10", exact=True).check()
    card.get_by_role("button", name="开始练习").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".session-counter")).to_have_text("第 1/10 题")

    # Submitting without an answer: a Chinese message (ours in the page, or the server's).
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator(".js-field-error, .form-errors").first).to_contain_text(
        re.compile("请选择一项|请填写此项|请先作答")
    )
    expect(page.locator(".session-counter")).to_have_text("第 1/10 题")

    for number in (1, 2):
        answer_any(page.locator("form.practice-question"))
        page.get_by_role("button", name="提交答案").click()
        expect(page.locator(".verdict-line")).to_have_text(re.compile("回答正确|回答错误"))
        expect(page.locator(".session-counter")).to_have_text(f"第 {number}/10 题")
        page.get_by_role("link", name=re.compile("下一题")).click()
        page.wait_for_load_state("networkidle")
        expect(page.locator(".session-counter")).to_have_text(f"第 {number + 1}/10 题")

    page.get_by_role("button", name="结束本组，看小结").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_contain_text("练习小结")
    expect(page.locator(".summary-figures")).to_contain_text("2 / 10 题")
    session.shot("02-summary")


def test_rules_index_opens_the_rule_set_a_link_points_at(open_session):
    session = open_session("rules-index")
    page = session.page
    session.login(STAFF)
    session.goto("/knowledge/rules/")
    target = page.locator("details#set-shi-ge-bu-zhun")
    expect(target).not_to_have_attribute("open", "")
    page.locator(".rules-toc").get_by_role("link", name=re.compile("十个不准")).click()
    expect(target).to_have_attribute("open", "")
    expect(target.locator("#rule-shi-ge-bu-zhun-7")).to_be_visible()
    session.shot("01-toc-jump")
