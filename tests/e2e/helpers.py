"""Data set-up through the services, and the answers a journey gives on an exam paper."""

import re
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.months import month_of
from portal.organisation.models import Unit
from quizzes.models import AttemptQuestion, Blueprint, Exam, QuestionType
from quizzes.papers import scheduling
from tests.quizzes.factories import make_blueprint

STAFF = "DL1020"  # 营业二班 counter clerk
TEAM_LEADER = "DL1019"  # 营业二班 班组长
TEAM = "CG-YYT-2"  # 营业二班
SAVED = re.compile(r"^已保存 \d\d:\d\d:\d\d$")
SHORT_ANSWER = "首先向客户致歉并耐心倾听，记录诉求，按首问负责制跟踪办理，并在时限内回复客户。"


def user(username: str):
    return get_user_model().objects.get(username=username)


def monthly_exam(title: str, *sections, **blueprint_options) -> Exam:
    """A published monthly exam for 营业二班, scheduled by its 班组长 through the service,
    open from five minutes ago for two hours. sections: (title, types, count, score)."""
    blueprint_options.setdefault("review_visibility", "full")
    blueprint_options.setdefault("answers_shown", "submit")
    blueprint = make_blueprint(*sections, name=f"{title}组卷", **blueprint_options)
    now = timezone.now()
    plan = scheduling.ExamPlan(
        title=title,
        blueprint=blueprint,
        month=month_of(now),
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        units=[Unit.objects.get(code=TEAM)],
        people=[],
    )
    return scheduling.schedule_exam(by=user(TEAM_LEADER), plan=plan, publish=True)


def ready_blueprint(name: str, *sections, **options) -> Blueprint:
    options.setdefault("shuffle_questions", False)
    return make_blueprint(*sections, name=name, **options)


def right_answer(item: AttemptQuestion):
    """The response that earns full marks, in the shape the paper saves."""
    if item.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        return item.answer_key[0]
    if item.type == QuestionType.MULTIPLE:
        return sorted(item.answer_key)
    if item.type == QuestionType.FILL:
        return [alternatives[0] for alternatives in item.answer_key]
    return SHORT_ANSWER


def wrong_answer(item: AttemptQuestion):
    if item.type == QuestionType.SINGLE:
        return next(i for i in range(len(item.options)) if i != item.answer_key[0])
    if item.type == QuestionType.TRUE_FALSE:
        return not item.answer_key[0]
    raise ValueError(item.type)


def fill_in(page: Page, item: AttemptQuestion, response) -> None:
    """Answer one question of the paper with the mouse and the keyboard, as a person would."""
    box = page.locator(f"#q{item.position}")
    if item.type == QuestionType.SINGLE:
        box.locator(f"input[value='{response}']").check()
    elif item.type == QuestionType.TRUE_FALSE:
        box.locator(f"input[value='{'true' if response else 'false'}']").check()
    elif item.type == QuestionType.MULTIPLE:
        for index in range(len(item.options)):
            checkbox = box.locator(f"input[value='{index}']")
            checkbox.set_checked(index in response)
    elif item.type == QuestionType.FILL:
        blanks = box.locator("input[type=text]")
        for index, text in enumerate(response):
            blanks.nth(index).fill(text)
    else:
        box.locator("textarea").fill(response)


def expect_saved(page: Page, position: int) -> None:
    """The page says 已保存 only after the server confirmed it."""
    expect(page.locator(f"#q{position} [data-state]")).to_have_text(SAVED)


def expect_shown(page: Page, item: AttemptQuestion, response) -> None:
    """The paper shows this response (after a reload: from the server's copy)."""
    box = page.locator(f"#q{item.position}")
    if item.type == QuestionType.SINGLE:
        expect(box.locator(f"input[value='{response}']")).to_be_checked()
        expect(box.locator("input:checked")).to_have_count(1)
    elif item.type == QuestionType.TRUE_FALSE:
        expect(box.locator(f"input[value='{'true' if response else 'false'}']")).to_be_checked()
    elif item.type == QuestionType.MULTIPLE:
        for index in range(len(item.options)):
            checkbox = box.locator(f"input[value='{index}']")
            if index in response:
                expect(checkbox).to_be_checked()
            else:
                expect(checkbox).not_to_be_checked()
    elif item.type == QuestionType.FILL:
        blanks = box.locator("input[type=text]")
        for index, text in enumerate(response):
            expect(blanks.nth(index)).to_have_value(text)
    else:
        expect(box.locator("textarea")).to_have_value(response)


def points(value: Decimal) -> str:
    """As the pages print scores: 12.50 → 12.5, 10.00 → 10."""
    return f"{Decimal(value).normalize():f}"
