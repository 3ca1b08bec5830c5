"""The open paper's live status (GET /attempts/<id>/status/, quizzes/papers/sitting.py): extra
time, a void or a cancellation reaches a page within one poll, without a save; a poll storm is
answered from the cache without touching the attempt's row; someone else's attempt is not found;
the page's own submit at time-up is recorded as automatic only when the server's clock agrees."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes.models import Attempt
from quizzes.papers import scheduling, services, sitting
from tests.quizzes.factories import make_blueprint, make_exam, single_choice_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(team_leader):
    """An exam the team leader scheduled for everyone (so they may extend, void and cancel)."""
    from quizzes.models import QuestionType

    now = timezone.now()
    return make_exam(
        make_blueprint(("单选", [QuestionType.SINGLE], 3, 1)),
        created_by=team_leader,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=3),
    )


@pytest.fixture
def attempt(exam, staff_user):
    return services.start_attempt(exam=exam, user=staff_user, now=timezone.now())


def poll(client, attempt):
    return client.get(f"/attempts/{attempt.public_id}/status/")


def test_an_open_paper_learns_of_extra_time_without_a_save(
    client, staff_user, team_leader, attempt
):
    client.force_login(staff_user)
    first = poll(client, attempt).json()
    assert first["open"] and first["extra_minutes"] == 0 and first["message"] == ""
    limit = attempt.exam.effective_time_limit * 60
    assert limit - 60 <= first["remaining_seconds"] <= limit
    assert first["result_url"] == f"/attempts/{attempt.public_id}/result/"
    scheduling.grant_extra_time(
        by=team_leader, attempt_id=attempt.pk, minutes=15, now=timezone.now()
    )
    after = poll(client, attempt).json()
    assert after["open"] and after["extra_minutes"] == 15
    assert after["message"] == "班组长已为您延长 15 分钟"
    assert after["remaining_seconds"] - first["remaining_seconds"] >= 14 * 60
    # The paper itself says so after a reload, too.
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert "班组长已为您延长 15 分钟" in html and 'data-extra="15"' in html


def test_a_voided_paper_is_told_the_reason(client, staff_user, team_leader, attempt):
    client.force_login(staff_user)
    assert poll(client, attempt).json()["open"]
    scheduling.void_attempt(
        by=team_leader, attempt_id=attempt.pk, reason="考试期间使用手机", now=timezone.now()
    )
    status = poll(client, attempt).json()
    assert not status["open"] and status["voided"] and status["state"] == "voided"
    assert status["void_reason"] == "考试期间使用手机"
    assert status["message"] == "本次作答已被作废，原因：考试期间使用手机"
    # A save now is refused and carries the same status, so the page can say why.
    reply = client.post(
        f"/attempts/{attempt.public_id}/answers/",
        json.dumps({"position": 1, "response": 0}),
        content_type="application/json",
    )
    assert reply.status_code == 409
    assert reply.json()["status"]["message"] == status["message"]
    result = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "本次作答已作废，原因：考试期间使用手机" in result


def test_a_cancelled_exam_closes_the_paper_and_says_why(client, staff_user, team_leader, attempt):
    client.force_login(staff_user)
    assert poll(client, attempt).json()["open"]
    scheduling.cancel_exam(
        by=team_leader, exam_id=attempt.exam_id, reason="系统故障，另行安排", now=timezone.now()
    )
    status = poll(client, attempt).json()
    assert not status["open"] and status["cancelled"] and status["state"] == "graded"
    assert status["message"] == "考试已取消（系统故障，另行安排），您的答卷已自动提交。"
    result = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "考试已取消（系统故障，另行安排）" in result


def test_an_extended_exam_reaches_the_paper(client, staff_user, team_leader, exam):
    # The exam closes in 20 minutes, so the paper's deadline is the closing time.
    exam.closes_at = timezone.now() + timedelta(minutes=20)
    exam.save(update_fields=["closes_at"])
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    client.force_login(staff_user)
    before = poll(client, attempt).json()["remaining_seconds"]
    assert before <= 20 * 60
    scheduling.extend_exam(
        by=team_leader,
        exam_id=exam.pk,
        closes_at=timezone.now() + timedelta(hours=2),
        reason="停电",
        now=timezone.now(),
    )
    limit = exam.effective_time_limit * 60
    assert poll(client, attempt).json()["remaining_seconds"] >= min(limit, 110 * 60) - 60 > before


def test_a_poll_storm_reads_the_attempt_once(
    client, staff_user, attempt, django_assert_num_queries
):
    now = timezone.now()
    first = sitting.paper_status(public_id=attempt.public_id, user_id=staff_user.pk, now=now)
    with django_assert_num_queries(0):
        for _ in range(50):
            again = sitting.paper_status(
                public_id=attempt.public_id, user_id=staff_user.pk, now=now
            )
    assert again == first
    # Through the view: the session and the user are read, never the attempt's table.
    client.force_login(staff_user)
    poll(client, attempt)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            assert poll(client, attempt).status_code == 200
    table = Attempt._meta.db_table
    assert not [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]


def test_the_cache_is_what_answers_until_the_attempt_is_saved(staff_user, attempt):
    now = timezone.now()
    read = sitting.paper_status
    assert read(public_id=attempt.public_id, user_id=staff_user.pk, now=now)["extra_minutes"] == 0
    # A change that bypasses the model (no signal) is not seen: the answer is the cached one...
    Attempt.objects.filter(pk=attempt.pk).update(extra_minutes=7)
    assert read(public_id=attempt.public_id, user_id=staff_user.pk, now=now)["extra_minutes"] == 0
    # ...and saving the attempt (as extra time, a void and a submission do) outdates it.
    attempt.refresh_from_db()
    attempt.save(update_fields=["extra_minutes"])
    assert read(public_id=attempt.public_id, user_id=staff_user.pk, now=now)["extra_minutes"] == 7


def test_another_persons_poll_is_not_found(client, user_by_username, attempt):
    colleague = user_by_username("DL1021")
    client.force_login(colleague)
    assert poll(client, attempt).status_code == 404
    # Still not found once the owner's status is in the cache.
    sitting.paper_status(public_id=attempt.public_id, user_id=attempt.user_id, now=timezone.now())
    assert poll(client, attempt).status_code == 404
    import uuid

    assert client.get(f"/attempts/{uuid.uuid4()}/status/").status_code == 404


def test_a_save_carries_the_status(client, staff_user, team_leader, attempt):
    client.force_login(staff_user)
    scheduling.grant_extra_time(
        by=team_leader, attempt_id=attempt.pk, minutes=10, now=timezone.now()
    )
    reply = client.post(
        f"/attempts/{attempt.public_id}/answers/",
        json.dumps({"position": 1, "response": 0}),
        content_type="application/json",
    ).json()
    assert reply["saved"] and reply["status"]["extra_minutes"] == 10
    assert reply["status"]["message"] == "班组长已为您延长 10 分钟"
    assert abs(reply["status"]["remaining_seconds"] - reply["remaining_seconds"]) <= 1


# Time-up ------------------------------------------------------------------------------------


def test_the_pages_submit_at_time_up_is_automatic_and_says_so(client, staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    client.force_login(staff_user)
    response = client.post(f"/attempts/{attempt.public_id}/submit/", {"timeup": "1"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.auto_submitted
    html = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "时间到，已自动交卷" in html
    status = poll(client, attempt).json()
    assert not status["open"] and status["message"] == "时间到，已自动交卷"


def test_a_time_up_claim_before_the_deadline_is_an_ordinary_submit(client, staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    client.force_login(staff_user)
    client.post(f"/attempts/{attempt.public_id}/submit/", {"timeup": "1"})
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and not attempt.auto_submitted
    html = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "时间到，已自动交卷" not in html


def test_opening_a_paper_past_its_time_shows_the_notice_once(client, staff_user):
    attempt = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=5))
    client.force_login(staff_user)
    html = client.get(attempt.get_absolute_url(), follow=True).content.decode()
    assert html.count("时间到，已自动交卷") == 1
