"""Concurrency on PostgreSQL, through the real services and views (tests/quizzes/papers/test_exam_concurrency.py
has the service-level double submit and double start).

Each thread has its own database connection (Django's connections are per thread) and the threads
wait at a barrier so that their requests really overlap. PostgreSQL allows 100 connections here,
shared with other test runs, so "500 staff in the same second" is 20 connections (like 20 app
server workers) that each start 25 papers as fast as they can, all released by one barrier.
"""

import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from assessment import selectors
from assessment.models import ENTERED_COMPONENTS, AssessmentRecord, AuditEntry
from portal.organisation.models import Unit
from quizzes.models import AnswerRecord, Attempt, AttemptQuestion
from quizzes.papers import services
from tests.quizzes.factories import make_single_choice_questions, single_choice_exam

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 20


def in_parallel(jobs: list) -> tuple[list, list]:
    """Run each job (a function of no arguments) in its own thread, all released at once.
    Returns (results in job order, errors)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)
    errors = []

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def make_staff(count: int) -> list:
    """`count` active users, made in one INSERT with one password hash (hashing 500 would take
    longer than the test)."""
    password = make_password("Demo@2026gd")
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"LOAD{n:04d}", password=password, is_active=True) for n in range(count)]
    )
    return list(User.objects.filter(username__startswith="LOAD").order_by("username"))


def test_max_connections_leave_room_for_the_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        (limit,) = cursor.fetchone()
    assert int(limit) >= WORKERS + 10


def test_500_staff_start_the_same_exam_in_the_same_second():
    """Every one of 500 people gets exactly one attempt with one complete paper; 50 of them
    press 开始 a second time at the same moment (another tab) and still get that one attempt."""
    make_single_choice_questions(30)
    exam = single_choice_exam(10)
    people = make_staff(500)
    twice = people[:50]
    # Worker w starts people[w::WORKERS]; the 50 second presses go to a different worker.
    queues = [people[w::WORKERS] for w in range(WORKERS)]
    for n, person in enumerate(twice):
        queues[(people.index(person) % WORKERS + 1 + n % (WORKERS - 1)) % WORKERS].append(person)

    def worker(queue):
        def run():
            started = []
            for person in queue:
                attempt = services.start_attempt(exam=exam, user=person, now=timezone.now())
                started.append((person.pk, attempt.pk))
            return started

        return run

    began = timezone.now()
    results, errors = in_parallel([worker(queue) for queue in queues])
    assert not errors, errors[:3]
    pairs = [pair for result in results for pair in result]
    assert len(pairs) == 550
    attempt_of = {}
    for user_id, attempt_id in pairs:
        # The second press returns the same attempt as the first.
        assert attempt_of.setdefault(user_id, attempt_id) == attempt_id
    attempts = Attempt.objects.filter(exam=exam)
    assert attempts.count() == 500
    assert attempts.values("user").distinct().count() == 500
    assert set(attempts.values_list("pk", flat=True)) == set(attempt_of.values())
    assert AttemptQuestion.objects.filter(attempt__exam=exam).count() == 500 * 10
    for attempt in attempts.prefetch_related("questions"):
        positions = sorted(item.position for item in attempt.questions.all())
        assert positions == list(range(1, 11))
        assert len({item.question_id for item in attempt.questions.all()}) == 10
        assert attempt.question_count == 10 and attempt.max_score == Decimal(10)
        assert attempt.number == 1 and attempt.status == Attempt.Status.IN_PROGRESS
        # Every deadline comes from the server's clock at the start.
        assert began <= attempt.started_at <= timezone.now()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_same_person_starting_in_two_tabs_gets_one_paper(demo_org, staff_user):
    make_single_choice_questions(10)
    exam = single_choice_exam(5)
    clients = [signed_in(staff_user) for _ in range(4)]
    results, errors = in_parallel([lambda c=c: c.post(f"/exams/{exam.pk}/start/") for c in clients])
    assert not errors, errors
    attempt = Attempt.objects.get(exam=exam, user=staff_user)
    assert {r.status_code for r in results} == {302}
    assert {r["Location"] for r in results} == {attempt.get_absolute_url()}
    assert attempt.questions.count() == 5


def test_two_submits_through_the_page_give_one_result(demo_org, staff_user):
    make_single_choice_questions(6)
    exam = single_choice_exam(6)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    for item in attempt.questions.all()[:4]:
        services.save_answer(
            attempt_id=attempt.pk,
            position=item.position,
            raw_response=item.answer_key[0],
            now=timezone.now(),
        )
    clients = [signed_in(staff_user), signed_in(staff_user)]
    url = f"/attempts/{attempt.public_id}/submit/"
    results, errors = in_parallel([lambda c=c: c.post(url) for c in clients])
    assert not errors, errors
    assert {r.status_code for r in results} == {302}
    assert {r["Location"] for r in results} == {f"/attempts/{attempt.public_id}/result/"}
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.score == Decimal(4)
    assert AnswerRecord.objects.filter(user=staff_user, origin="exam").count() == 6


def test_saves_racing_a_submit_never_change_a_graded_paper(demo_org, staff_user):
    """Autosaves that arrive while the paper is being submitted are either in the result or
    refused (409): no answer is stored after grading."""
    make_single_choice_questions(10)
    exam = single_choice_exam(10)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    items = list(attempt.questions.order_by("position"))
    save_url = f"/attempts/{attempt.public_id}/answers/"

    def save(item):
        client = signed_in(staff_user)
        return lambda: client.post(
            save_url,
            {"position": item.position, "response": item.answer_key[0]},
            content_type="application/json",
        )

    submitter = signed_in(staff_user)
    jobs = [save(item) for item in items]
    jobs.insert(5, lambda: submitter.post(f"/attempts/{attempt.public_id}/submit/"))
    results, errors = in_parallel(jobs)
    assert not errors, errors
    saves = [r for r in results if r.status_code != 302]
    assert {r.status_code for r in saves} <= {200, 409}
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    stored = {q.position: q for q in attempt.questions.all()}
    saved_positions = {
        r.json()["position"] for r in saves if r.status_code == 200 and r.json()["saved"]
    }
    for position, item in stored.items():
        # What is stored is what was graded, and every save that said "saved" is in it.
        assert bool(item.is_correct) == (item.response is not None)
        assert (item.response is not None) == (position in saved_positions)
    assert attempt.score == len(saved_positions)
    for reply in saves:
        if reply.status_code == 409:
            assert reply.json()["submitted"] is True and "已提交" in reply.json()["error"]


def grid_data(month_text: str, record: AssessmentRecord, **changes) -> dict:
    prefix = f"p{record.profile_id}-"
    data = {"action": "save", prefix + "version": record.version}
    for name in ENTERED_COMPONENTS:  # the grid posts every component, or skips the row
        value = getattr(record, name)
        data[prefix + name] = "" if value is None else str(value)
    for name, value in changes.items():
        data[prefix + name] = value
    return data


def test_two_supervisors_saving_the_same_record_never_overwrite_each_other(
    demo_org, team_leader, hall_head, staff_user
):
    """The 班组长 and the 值长 open the same grid, both change 罗斌's complaints and press 保存
    at the same moment: one is saved, the other is told in Chinese that someone else changed
    the record, and the saved value is the first one's."""
    month = "2026-11"
    url = f"/team/records/?month={month}&unit=CG-YYT-2"
    leader, head = signed_in(team_leader), signed_in(hall_head)
    # Both save the month's grid for the first time at once (saving makes the records; opening
    # the page makes none): one record per person, no error.
    results, errors = in_parallel(
        [lambda: leader.post(url, {"action": "save"}), lambda: head.post(url, {"action": "save"})]
    )
    assert not errors and [r.status_code for r in results] == [302, 302]
    unit = Unit.objects.get(code="CG-YYT-2")
    shown = {
        person.pk
        for user in (team_leader, hall_head)
        for person in selectors.team_people(by=user, unit=unit)
    }
    records = AssessmentRecord.objects.filter(month="2026-11-01")
    assert sorted(records.values_list("profile_id", flat=True)) == sorted(shown)
    for round_number in range(1, 6):
        record = AssessmentRecord.objects.get(profile=staff_user.staff_profile, month="2026-11-01")
        values = {leader: str(round_number), head: str(round_number + 10)}
        posts = {c: grid_data(month, record, complaints=values[c]) for c in (leader, head)}
        results, errors = in_parallel(
            [lambda c=c, data=data: c.post(url, data) for c, data in posts.items()]
        )
        assert not errors, errors
        saved = [c for c, r in zip((leader, head), results, strict=True) if r.status_code == 302]
        refused = [r for r in results if r.status_code == 200]
        assert len(saved) == 1 and len(refused) == 1, [r.status_code for r in results]
        text = refused[0].content.decode()
        assert "已被他人修改" in text and "全部修改均未保存" in text
        record.refresh_from_db()
        assert record.complaints == int(values[saved[0]])
        assert record.version == round_number + 1
        assert AuditEntry.objects.filter(record=record, field="complaints").count() == round_number
