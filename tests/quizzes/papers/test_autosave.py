"""The autosave fast path on PostgreSQL (quizzes/papers/autosave.py): one statement per save, and it
never slips in while a paper is being graded."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from quizzes.models import Attempt
from quizzes.papers import autosave, services
from tests.quizzes.factories import make_single_choice_questions, single_choice_exam


@pytest.mark.postgres
def test_a_save_is_one_statement_once_the_paper_is_known(staff_user, django_assert_num_queries):
    attempt = services.start_attempt(
        exam=single_choice_exam(5), user=staff_user, now=timezone.now()
    )
    autosave.forget_shapes()
    with django_assert_num_queries(2):  # the paper's shape, then the update
        services.save_answer(
            public_id=attempt.public_id,
            user=staff_user,
            position=1,
            raw_response=2,
            now=timezone.now(),
        )
    with django_assert_num_queries(1):
        result = services.save_answer(
            public_id=attempt.public_id,
            user=staff_user,
            position=2,
            raw_response=3,
            now=timezone.now(),
        )
    assert result.deadline_at == attempt.deadline_at
    assert dict(attempt.questions.filter(position__lte=2).values_list("position", "response")) == {
        1: 2,
        2: 3,
    }


@pytest.mark.postgres
def test_the_fast_path_refuses_nothing_itself_and_changes_nothing_it_refuses(
    staff_user, team_leader
):
    attempt = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    now = timezone.now()
    # Someone else's attempt, a question not in the paper, a malformed answer, a late save.
    assert (
        autosave.store_answer(
            public_id=attempt.public_id,
            user_id=team_leader.pk,
            position=1,
            raw_response=0,
            now=now,
            grace=services.SAVE_GRACE,
        )
        is None
    )
    for position, value, when in [
        (9, 0, now),
        (1, 7, now),
        (1, 0, attempt.deadline_at + services.SAVE_GRACE * 2),
    ]:
        assert (
            autosave.store_answer(
                attempt_id=attempt.pk,
                position=position,
                raw_response=value,
                now=when,
                grace=services.SAVE_GRACE,
            )
            is None
        )
    assert not attempt.questions.exclude(response=None).exists()
    with pytest.raises(Attempt.DoesNotExist):
        services.save_answer(
            public_id=attempt.public_id, user=team_leader, position=1, raw_response=0, now=now
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_waits_for_a_submit_in_progress_and_is_then_refused(demo_org, staff_user):
    make_single_choice_questions(3)
    attempt = services.start_attempt(
        exam=single_choice_exam(3), user=staff_user, now=timezone.now()
    )
    services.save_answer(attempt_id=attempt.pk, position=1, raw_response=0, now=timezone.now())
    locked, release = threading.Event(), threading.Event()
    outcome = {}

    def grading():  # what submit_attempt does first: lock the attempt, then close it
        try:
            with transaction.atomic():
                Attempt.objects.select_for_update().get(pk=attempt.pk)
                locked.set()
                release.wait(10)
                Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.GRADED)
        finally:
            close_old_connections()

    def saving():
        try:
            services.save_answer(
                attempt_id=attempt.pk, position=2, raw_response=1, now=timezone.now()
            )
            outcome["saved"] = True
        except services.AnswerRefused as error:
            outcome["refused"] = str(error)
        finally:
            outcome["finished_at"] = time.monotonic()
            close_old_connections()

    grader = threading.Thread(target=grading)
    grader.start()
    assert locked.wait(10)
    saver = threading.Thread(target=saving)
    saver.start()
    time.sleep(0.5)
    assert "finished_at" not in outcome  # blocked on the attempt's row lock
    released_at = time.monotonic()
    release.set()
    grader.join(10)
    saver.join(10)
    assert outcome["finished_at"] >= released_at
    assert outcome.get("refused") == "试卷已提交，不能再修改答案。"
    assert attempt.questions.get(position=2).response is None
    connection.close()
