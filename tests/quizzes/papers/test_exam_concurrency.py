"""Concurrency on PostgreSQL: two submits of one attempt, two starts of one exam."""

import threading

import pytest
from django.db import close_old_connections
from django.utils import timezone

from quizzes.models import AnswerRecord, Attempt
from quizzes.papers import services
from tests.quizzes.factories import make_single_choice_questions, single_choice_exam

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_together(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_concurrent_submits_give_one_result(demo_org, staff_user):
    make_single_choice_questions(5)
    exam = single_choice_exam(5)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    for item in attempt.questions.all():
        services.save_answer(
            attempt_id=attempt.pk,
            position=item.position,
            raw_response=item.answer_key[0],
            now=timezone.now(),
        )
    results, errors = run_together(
        2, lambda: services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    )
    assert not errors
    assert {r.score for r in results} == {5}
    assert len({r.submitted_at for r in results}) == 1
    assert AnswerRecord.objects.filter(user=staff_user, origin="exam").count() == 5


def test_concurrent_starts_give_one_paper(demo_org, staff_user):
    make_single_choice_questions(5)
    exam = single_choice_exam(5)
    results, errors = run_together(
        4, lambda: services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    )
    assert not errors, errors
    assert len({r.pk for r in results}) == 1
    assert Attempt.objects.filter(exam=exam, user=staff_user).count() == 1
