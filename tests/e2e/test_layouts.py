"""Supervisor and HR pages fit the screen (issue 18): at 390 px and at desktop width no page is
wider than the viewport (wide tables scroll inside their own box, first column fixed), the
charts keep their labels (the trend chart's last month is not cut), the header takes no more than
a fifth of a phone screen, each page has one title, and the text defects stay fixed (已已, 无考试
for an exam that is open, a stray "·")."""

import re

import pytest
from django.utils import timezone

from assessment import services as assessment
from portal.home.demo_history import history_months
from portal.months import month_of
from portal.organisation.models import Unit
from quizzes.models import QuestionType

from .conftest import VIEWPORTS, unique
from .helpers import TEAM, TEAM_LEADER, monthly_exam, user

pytestmark = pytest.mark.e2e

# What each page must satisfy, measured in the browser.
MEASURE = """() => {
  const root = document.scrollingElement;
  const boxes = [...document.querySelectorAll('.table-scroll')].map((box) => {
    const first = box.querySelector('tbody tr > :first-child');
    return {
      label: box.getAttribute('aria-label') || '',
      overflows: box.scrollWidth > box.clientWidth + 1,
      scrolls: ['auto', 'scroll'].includes(getComputedStyle(box).overflowX),
      sticky: first ? getComputedStyle(first).position === 'sticky' : true,
    };
  });
  const loose = [...document.querySelectorAll('main table')]
    .filter((table) => !table.closest('.table-scroll'))
    .filter((table) => table.getBoundingClientRect().right > window.innerWidth + 1)
    .map((table) => table.className || 'table');
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const frame = svg.getBoundingClientRect();
    const cut = [...svg.querySelectorAll('text')].filter((text) => {
      const box = text.getBoundingClientRect();
      return box.width > 0 && (box.left < frame.left - 1 || box.right > frame.right + 1
        || box.top < frame.top - 1 || box.bottom > frame.bottom + 1);
    }).map((text) => text.textContent);
    return {title: svg.getAttribute('aria-label') || '', cut};
  });
  return {
    width: root.scrollWidth,
    viewport: window.innerWidth,
    header: document.querySelector('.site-header').getBoundingClientRect().height,
    headings: document.querySelectorAll('main h1').length,
    title: document.title,
    text: document.querySelector('main').innerText,
    boxes, loose, charts,
  };
}"""


@pytest.fixture(scope="module")
def layout_data(live_url):
    """An exam of 营业二班 this month (its people not started: the grid must not say 无考试), a
    submitted month for HR's lock page, and the demo history's latest month for the reports."""
    exam = monthly_exam(
        unique("版面月考"), ("判断", [QuestionType.TRUE_FALSE], 2, 50), answers_shown="close"
    )
    now_month = month_of(timezone.now())
    history = history_months(timezone.localdate())[-1]
    return {"exam": exam.pk, "month": f"{now_month:%Y-%m}", "history": f"{history:%Y-%m}"}


def supervisor_pages(data) -> list[str]:
    exam, month, history = data["exam"], data["month"], data["history"]
    return [
        "/team/exams/",
        "/team/exams/new/",
        f"/team/exams/{exam}/",
        f"/team/exams/{exam}/edit/",
        f"/team/records/?month={month}&unit={TEAM}",
        f"/team/records/?month={history}&unit={TEAM}",
        f"/team/records/submit/?month={month}&unit={TEAM}",
        f"/team/stars/?month={history}&unit={TEAM}",
        f"/hr/assessments/?month={history}",
        f"/hr/audit/?month={history}",
        "/hr/held-scores/",
        "/marking/",
        "/notifications/",
        "/my/assessments/",
    ]


def hr_pages(data) -> list[str]:
    exam, month, history = data["exam"], data["month"], data["history"]
    return [
        f"/hr/assessments/?month={history}&unit=CG",
        f"/hr/assessments/?month={history}&unit={TEAM}",
        f"/hr/assessments/lock/?month={month}&unit={TEAM}",
        f"/hr/audit/?month={history}",
        "/hr/audit/",
        "/hr/held-scores/",
        "/team/exams/",
        f"/team/exams/{exam}/",
        "/notifications/",
    ]


def check_page(session, path: str) -> list[str]:
    """The problems of one page at the session's viewport (empty: it fits)."""
    response = session.page.goto(session.url(path))
    session.page.wait_for_load_state("networkidle")
    if response is None or response.status != 200:
        return [f"{path}：状态 {response.status if response else '无响应'}"]
    found = session.page.evaluate(MEASURE)
    viewport = VIEWPORTS[session.viewport]
    problems = []
    if found["width"] > found["viewport"]:
        problems.append(f"{path}：页面宽 {found['width']} px，超出屏幕 {found['viewport']} px")
    for box in found["boxes"]:
        if box["overflows"] and not box["scrolls"]:
            problems.append(f"{path}：表格“{box['label']}”超宽却不能在框内滚动")
        if box["overflows"] and not box["sticky"]:
            problems.append(f"{path}：表格“{box['label']}”横向滚动时第一列不固定")
    problems += [f"{path}：表格 {name} 不在滚动框内且超出屏幕" for name in found["loose"]]
    for chart in found["charts"]:
        if chart["cut"]:
            problems.append(f"{path}：图表“{chart['title']}”的标签被截断：{chart['cut']}")
    if session.viewport == "phone" and found["header"] > viewport["height"] / 5:
        problems.append(f"{path}：页头高 {found['header']:.0f} px，超过手机屏幕的五分之一")
    if found["headings"] != 1:
        problems.append(f"{path}：页面有 {found['headings']} 个一级标题")
    title = found["title"]
    if title.count("供电服务培训考试平台") != 1 or title.startswith("·"):
        problems.append(f"{path}：页面标题“{title}”")
    text = found["text"]
    if "已已" in text:
        problems.append(f"{path}：文字“已已”")
    if re.search(r"·\s*(·|$|\n)|(^|\n)\s*·", text):
        problems.append(f"{path}：多余的“·”")
    return problems


def test_supervisor_pages_fit(open_session, layout_data):
    session = open_session("layout-supervisor")
    session.login(TEAM_LEADER)
    problems = []
    for path in supervisor_pages(layout_data):
        problems += check_page(session, path)
    session.shot("last-page")
    assert not problems, "\n".join(problems)


def test_hr_pages_fit(open_session, layout_data):
    team = Unit.objects.get(code=TEAM)
    month = month_of(timezone.now())
    if assessment.month_status(unit=team, month=month) == "open":
        assessment.submit_month(unit=team, month=month, by=user(TEAM_LEADER), reason="版面测试")
    session = open_session("layout-hr")
    session.login("hr")
    problems = []
    try:
        for path in hr_pages(layout_data):
            problems += check_page(session, path)
    finally:
        assessment.withdraw_month(unit=team, month=month, by=user(TEAM_LEADER), reason="版面测试")
    assert not problems, "\n".join(problems)


def test_the_grid_names_the_open_exam_and_shows_the_state_column(open_session, layout_data):
    """The grid says 未开考 (not 无考试) for people whose exam is open; on a desktop the 考试状态
    column is in view without scrolling."""
    session = open_session("layout-grid")
    session.login(TEAM_LEADER)
    session.goto(f"/team/records/?month={layout_data['month']}&unit={TEAM}")
    grid = session.page.locator(".records-grid")
    assert grid.locator("td", has_text="未开考").count() > 0
    assert grid.locator("td", has_text="无考试").count() == 0
    if session.viewport == "desktop":
        column = grid.get_by_role("columnheader", name="考试状态").bounding_box()
        frame = session.page.locator(".records-grid").locator("xpath=..").bounding_box()
        assert column["x"] + column["width"] <= frame["x"] + frame["width"] + 1
