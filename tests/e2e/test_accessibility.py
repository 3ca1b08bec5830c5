"""axe-core (from the npm registry, run in the same Chromium) finds no serious or critical
violation on the staff pages, at phone and desktop width."""

import json

import pytest
from django.utils import timezone

from cases.models import CasePage
from quizzes.models import QuestionType
from quizzes.papers import services

from .conftest import AXE_SCRIPT, unique
from .helpers import SHORT_ANSWER, STAFF, monthly_exam, right_answer, user

pytestmark = pytest.mark.e2e
BLOCKING = {"serious", "critical"}


def run_axe(page) -> list[dict]:
    if not AXE_SCRIPT.exists():
        pytest.fail("找不到 axe-core：请先运行 make e2e-deps（npm ci --prefix tests/e2e）。")
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(url: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{url}: [{violation['impact']}] {violation['id']} — {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(
                f"    {json.dumps(node['target'], ensure_ascii=False)} {node['html'][:160]}"
            )
            lines.append(f"      {node.get('failureSummary', '')[:300]}")
    return "\n".join(lines)


@pytest.fixture
def staff_papers():
    """An exam paper in progress and a submitted one, for the paper and result pages."""
    staff = user(STAFF)
    sections = (
        ("单选题", [QuestionType.SINGLE], 2, 10),
        ("多选题", [QuestionType.MULTIPLE], 1, 20),
        ("判断题", [QuestionType.TRUE_FALSE], 1, 10),
        ("填空题", [QuestionType.FILL], 1, 20),
        ("简答题", [QuestionType.SHORT], 1, 40),
    )
    sitting = monthly_exam(unique("无障碍检查进行中"), *sections)
    in_progress = services.start_attempt(exam=sitting, user=staff, now=timezone.now())
    done = monthly_exam(unique("无障碍检查已交卷"), *sections)
    submitted = services.start_attempt(exam=done, user=staff, now=timezone.now())
    for item in submitted.questions.all():
        answer = right_answer(item) if item.type != QuestionType.SHORT else SHORT_ANSWER
        services.save_answer(
            attempt_id=submitted.pk, position=item.position, raw_response=answer, now=timezone.now()
        )
    services.submit_attempt(attempt_id=submitted.pk, now=timezone.now())
    return in_progress, submitted


def test_staff_pages_have_no_serious_accessibility_violations(open_session, staff_papers):
    in_progress, submitted = staff_papers
    case = CasePage.objects.live().order_by("path").first()
    # axe is injected as a script tag, which our Content-Security-Policy rightly refuses: this
    # context alone bypasses the policy (the journeys check the policy holds).
    session = open_session("a11y", bypass_csp=True)
    page = session.page
    failures = []

    session.goto("/accounts/login/")
    failures.append(describe("/accounts/login/", run_axe(page)))
    session.login(STAFF)
    pages = [
        "/",
        "/knowledge/rules/",
        "/knowledge/qa/",
        "/cases/",
        case.url,
        "/practice/",
        "/practice/question/?scope=random",
        "/wrongbook/",
        "/exams/",
        f"/attempts/{in_progress.public_id}/",
        f"/attempts/{submitted.public_id}/result/",
        "/my/assessments/",
        "/search/?q=停电",
    ]
    for path in pages:
        session.goto(path)
        failures.append(describe(path, run_axe(page)))
    failures = [text for text in failures if text]
    assert not failures, "axe-core 发现严重的无障碍问题：\n" + "\n".join(failures)
