"""Deadlines use the server's clock only: a browser whose clock is wrong, or that claims another
time in headers or in the request body, gains nothing.

Time passing is simulated by moving the attempt's deadline into the past in the database (the
server's clock cannot be wound forward from a test without mocking it)."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.http import http_date

from quizzes.models import Attempt
from quizzes.papers import services
from tests.quizzes.factories import single_choice_exam

pytestmark = pytest.mark.django_db

PAPER_JS = Path(__file__).resolve().parents[3] / "quizzes" / "static" / "quizzes" / "paper.js"

# Everything a client could use to claim that it is earlier than it is.
AN_HOUR_AGO = timezone.now() - timedelta(hours=1)
CLAIMS = {
    "HTTP_DATE": http_date(AN_HOUR_AGO.timestamp()),
    "HTTP_X_CLIENT_TIME": AN_HOUR_AGO.isoformat(),
    "HTTP_X_REQUEST_START": str(int(AN_HOUR_AGO.timestamp() * 1000)),
    "HTTP_IF_MODIFIED_SINCE": http_date(AN_HOUR_AGO.timestamp()),
}


@pytest.fixture
def attempt(staff_user):
    return services.start_attempt(exam=single_choice_exam(3), user=staff_user, now=timezone.now())


def move_deadline(attempt, seconds_from_now: int) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=timezone.now() + timedelta(seconds=seconds_from_now)
    )


def save(client, attempt, position, response, **extra_body):
    body = {"position": position, "response": response, **extra_body}
    return client.post(
        f"/attempts/{attempt.public_id}/answers/",
        json.dumps(body),
        content_type="application/json",
        **CLAIMS,
    )


def test_a_save_after_the_deadline_is_refused_whatever_time_the_client_claims(
    client, staff_user, attempt
):
    client.force_login(staff_user)
    items = list(attempt.questions.order_by("position"))
    assert save(client, attempt, 1, items[0].answer_key[0]).status_code == 200
    # The deadline passed 31 s ago on the server (more than the 30 s grace).
    move_deadline(attempt, -31)
    reply = save(
        client,
        attempt,
        2,
        items[1].answer_key[0],
        saved_at=AN_HOUR_AGO.isoformat(),
        now=AN_HOUR_AGO.isoformat(),
        client_time=int(AN_HOUR_AGO.timestamp()),
    )
    assert reply.status_code == 409
    assert "考试时间已到" in reply.json()["error"] and reply.json()["submitted"] is True
    attempt.refresh_from_db()
    # Submitted with the answers saved before the deadline: the first counts, the late one not.
    assert attempt.status == Attempt.Status.GRADED and attempt.auto_submitted
    assert attempt.score == 1
    assert attempt.questions.get(position=2).response is None


def test_a_save_sent_just_before_the_deadline_is_kept_within_the_grace(client, staff_user, attempt):
    client.force_login(staff_user)
    move_deadline(attempt, -20)
    item = attempt.questions.get(position=1)
    assert save(client, attempt, 1, item.answer_key[0]).status_code == 200
    assert attempt.questions.get(position=1).response == item.answer_key[0]


def test_opening_the_paper_after_the_deadline_submits_it(client, staff_user, attempt):
    client.force_login(staff_user)
    move_deadline(attempt, -31)
    response = client.get(attempt.get_absolute_url(), **CLAIMS)
    assert response.status_code == 302
    assert response["Location"] == f"/attempts/{attempt.public_id}/result/"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED


def test_remaining_time_comes_from_the_server(client, staff_user, attempt):
    client.force_login(staff_user)
    move_deadline(attempt, 600)
    html = client.get(attempt.get_absolute_url(), **CLAIMS).content.decode()
    remaining = int(re.search(r'data-remaining="(\d+)"', html).group(1))
    assert 590 <= remaining <= 600
    reply = save(client, attempt, 1, 0, remaining_seconds=99999, deadline="2099-01-01T00:00:00")
    assert 590 <= reply.json()["remaining_seconds"] <= 600
    attempt.refresh_from_db()
    assert attempt.deadline_at - timezone.now() <= timedelta(seconds=600)


def test_paper_js_sends_no_time_and_counts_down_on_a_monotonic_clock():
    script = PAPER_JS.read_text(encoding="utf-8")
    # The only JSON bodies the page sends: a flag (position and flag) and an answer (position and
    # response). The time-up submit says only "timeup=1"; the server checks its own clock.
    bodies = re.findall(r"JSON\.stringify\((\{[^}]*\})\)", script)
    assert bodies == [
        "{ position: Number(position), flagged: flagged }",
        "{ position: position, response: response }",
    ]
    # No wall-clock reading at all: the countdown uses performance.now() from the server's
    # remaining seconds, re-synchronised by every save.
    assert "Date.now" not in script and "new Date" not in script
    assert "performance.now()" in script and "remaining_seconds" in script
