"""A 班组长 schedules a monthly exam for the team in the browser, watches the live progress page
change while a clerk sits and submits it, marks the short answer, and sees the score."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.organisation.models import StaffProfile
from quizzes.models import Attempt, Exam, QuestionType
from quizzes.papers import selectors as quiz_selectors
from quizzes.papers import services

from .conftest import unique
from .helpers import STAFF, TEAM, TEAM_LEADER, ready_blueprint, right_answer, user

pytestmark = pytest.mark.e2e
LIVE_REFRESH_MS = 40_000  # the progress page polls every 15 s; a busy machine may need two polls


def local_input(moment) -> str:
    """A datetime-local input's value, in Beijing time."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_team_leader_schedules_watches_and_marks(open_session):
    title = unique("营业二班月度考试")
    blueprint = ready_blueprint(
        unique("月考组卷"),
        ("判断题", [QuestionType.TRUE_FALSE], 2, 25),
        ("简答题", [QuestionType.SHORT], 1, 50),
    )
    staff = user(STAFF)
    clerk = StaffProfile.objects.get(user=staff)
    session = open_session("supervisor")
    page = session.page
    session.login(TEAM_LEADER)

    # Schedules the exam ------------------------------------------------------------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="班组考试").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("navigation", name="班组管理").get_by_role("link", name="安排月度考试").click()
    expect(page.get_by_role("heading", name="安排月度考试")).to_be_visible()
    now = timezone.now()
    page.get_by_label("考试名称").fill(title)
    page.get_by_label("组卷规则").select_option(label=blueprint.name)
    page.get_by_label("考核月份").fill(timezone.localtime(now).strftime("%Y-%m"))
    page.get_by_label("开始时间").fill(local_input(now - timedelta(minutes=5)))
    page.get_by_label("截止时间").fill(local_input(now + timedelta(hours=2)))
    page.get_by_label("答题时长（分钟）").fill("30")
    page.get_by_label("营业二班", exact=True).check()
    page.get_by_label("考试通知").fill("请在截止时间前完成作答。")
    session.shot("01-schedule-form")
    page.get_by_role("button", name="发布考试").click()

    page.wait_for_url(re.compile(r"/team/exams/\d+/$"))
    page.wait_for_load_state("networkidle")
    exam = Exam.objects.get(title=title)
    assert exam.status == Exam.Status.PUBLISHED
    assert exam.created_by == user(TEAM_LEADER)
    assert list(exam.audience_units.values_list("code", flat=True)) == [TEAM]
    audience = quiz_selectors.audience_profiles(exam).count()
    assert audience >= 2
    expect(page.locator(".messages")).to_contain_text(f"《{title}》已发布")
    expect(page.locator('[data-count="total"]')).to_have_text(str(audience))
    expect(page.locator('[data-count="not_started"]')).to_have_text(str(audience))
    row = page.locator(f'tr[data-person="{clerk.pk}"]')
    expect(row.locator('[data-field="state"]')).to_have_text("未开考")
    session.shot("02-monitor-before")

    # The clerk sits and submits (in another place); the page updates by itself ----------------
    attempt = services.start_attempt(exam=exam, user=staff, now=timezone.now())
    for item in attempt.questions.order_by("position"):
        services.save_answer(
            attempt_id=attempt.pk,
            position=item.position,
            raw_response=right_answer(item),
            now=timezone.now(),
        )
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    assert attempt.status == Attempt.Status.PENDING_REVIEW
    expect(row).to_have_attribute("data-state", "pending_review", timeout=LIVE_REFRESH_MS)
    expect(row.locator('[data-field="state"]')).to_have_text("待阅卷")
    expect(page.locator('[data-count="submitted"]')).to_have_text("1")
    expect(page.locator('[data-count="not_started"]')).to_have_text(str(audience - 1))
    session.shot("03-monitor-submitted")

    # Marks the short answer ---------------------------------------------------------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="阅卷").click()
    page.wait_for_load_state("networkidle")
    entry = page.locator("li.marking-row").filter(has_text=title).filter(has_text=clerk.name)
    expect(entry).to_have_count(1)
    session.shot("04-marking-queue")
    entry.get_by_role("link", name="阅卷").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    short = attempt.questions.get(type=QuestionType.SHORT)
    points = page.locator("li.key-point")
    expect(points).to_have_count(len(short.marking))
    for index in range(len(short.marking)):
        points.nth(index).get_by_label("得分", exact=True).check()
    points.first.get_by_label(re.compile("评语")).fill("要点齐全，表述清楚。")
    session.shot("05-marking-form")
    page.get_by_role("button", name="提交阅卷").click()
    page.wait_for_load_state("networkidle")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == attempt.max_score == 100
    expect(page.locator(".messages")).to_contain_text("该试卷已出分：100 分，及格。")
    session.shot("06-marked")

    # The score shows on the progress page -------------------------------------------------------
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="班组考试").click()
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f'tr[data-person="{clerk.pk}"]')
    expect(row.locator('[data-field="state"]')).to_have_text("已出分")
    expect(row.locator('[data-field="score"]')).to_have_text("100 / 100")
    expect(page.locator('[data-count="graded"]')).to_have_text("1")
    session.shot("07-monitor-graded")


def test_team_leader_submits_an_incomplete_month_only_with_a_reason(open_session):
    """The 提交本月 button leads to a confirmation page that lists who has no result and why;
    without a reason nothing is submitted; with one the month is submitted and HR is told."""
    from assessment import services as assessment
    from assessment.models import AuditEntry
    from portal.months import month_of
    from portal.notifications.models import Event, Kind
    from portal.organisation.models import Unit

    from .helpers import monthly_exam

    exam = monthly_exam(unique("提交前月考"), ("判断", [QuestionType.TRUE_FALSE], 2, 50))
    team = Unit.objects.get(code=TEAM)
    month = month_of(timezone.now())
    session = open_session("month-close")
    page = session.page
    session.login(TEAM_LEADER)
    try:
        session.goto(f"/team/records/?month={month:%Y-%m}&unit={TEAM}")
        page.get_by_role("link", name="提交本月…").click()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("heading", level=1)).to_have_text("提交本月考核")
        warning = page.get_by_role("alert")
        expect(warning).to_contain_text("尚不完整")
        expect(warning).to_contain_text("未开考")
        expect(warning).to_contain_text(exam.title)
        session.shot("01-confirm")
        # The browser will not send an empty reason; the server refuses one of spaces too.
        reason = page.get_by_label(re.compile("原因"))
        reason.fill("   ")
        page.get_by_role("button", name="仍然提交本月考核").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator(".messages")).to_contain_text("请填写原因")
        assert assessment.month_status(unit=team, month=month) == "open"
        page.get_by_label(re.compile("原因")).fill("月考尚未截止，先行提交，补考另行安排")
        page.get_by_role("button", name="仍然提交本月考核").click()
        page.wait_for_url(re.compile(r"/team/records/"))
        expect(page.locator(".messages")).to_contain_text("考核已提交")
        expect(page.locator(".month-state")).to_contain_text("已提交")
        session.shot("02-submitted")
        assert assessment.month_status(unit=team, month=month) == "submitted"
        entry = AuditEntry.objects.filter(month_state__unit=team, month_state__month=month).first()
        assert "先行提交" in entry.reason and "不完整" in entry.reason
        assert Event.objects.filter(kind=Kind.MONTH_SUBMITTED, body__contains="先行提交").exists()
    finally:
        if assessment.month_status(unit=team, month=month) == "submitted":
            assessment.withdraw_month(
                unit=team, month=month, by=user(TEAM_LEADER), reason="测试后撤回"
            )
