"""The parts of `make loadtest` / `make crashtest` that decide pass or fail: the loopback guard,
the percentiles, reading a paper page as a resumed taker sees it, the simulated staff's sessions,
and the database check that must catch a lost save or a double grading."""

import json

import pytest
from django.utils import timezone

from quizzes.models import AnswerRecord, AttemptQuestion, QuestionType
from quizzes.papers import services
from tests.load.exam_client import (
    NotLoopback,
    PaperQuestion,
    Run,
    RunConfig,
    ensure_loopback,
    parse_paper,
    percentile,
    random_response,
)
from tests.quizzes.factories import make_blueprint, make_exam
from tools.loadtesting.load_check import SaveEvent, expected_answers
from tools.loadtesting.load_exam import prepare_load_exam, verify_load_run

PLAN = {"sessions": [], "session_cookie": "sessionid", "csrf_cookie": "csrftoken"}


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3:8000/",
        "http://192.168.0.10/",
        "https://example.com/",
        "http://localhost:8000/",
        "http://127.0.0.1.example.com/",
        "http://evil.example@127.0.0.1/",
        "http://[::1]:8000/",
        "ftp://127.0.0.1/",
    ],
)
def test_the_load_client_refuses_every_address_but_127_0_0_1(url):
    with pytest.raises(NotLoopback, match="只允许向 127.0.0.1"):
        ensure_loopback(url)
    with pytest.raises(NotLoopback):
        Run(RunConfig(base_url=url, plan=PLAN))


def test_paths_cannot_leave_the_loopback_server():
    assert ensure_loopback("http://127.0.0.1:8100/exams/") == "http://127.0.0.1:8100/exams/"
    run = Run(RunConfig(base_url="http://127.0.0.1:8100/", plan=PLAN))
    assert run.url("/attempts/x/answers/") == "http://127.0.0.1:8100/attempts/x/answers/"
    for escape in ["//example.com/x", "http://10.0.0.1/x", "https://example.com/"]:
        with pytest.raises(NotLoopback):
            run.url(escape)


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (
        50.0,
        95.0,
        99.0,
    )
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.95) == 0.0


def test_an_unacknowledged_save_after_the_last_acknowledged_one_may_have_been_stored():
    events = [
        SaveEvent("a", 1, 0, False),  # never acknowledged, nothing acknowledged before: no claim
        SaveEvent("a", 2, 1, True),
        SaveEvent("a", 2, 3, True),
        SaveEvent("a", 2, 2, False),  # in flight when the server died
        SaveEvent("b", 2, True, True),
        SaveEvent("b", 3, 1, False, abandoned=True),  # timed out: may be stored late...
        SaveEvent("b", 3, 2, True),  # ...even after this newer one was acknowledged
    ]
    assert expected_answers(events) == {("a", 2): [3, 2], ("b", 2): [True], ("b", 3): [2, 1]}


def mixed_exam():
    return make_exam(
        make_blueprint(
            ("单选", [QuestionType.SINGLE], 2, 1),
            ("多选", [QuestionType.MULTIPLE], 2, 1),
            ("判断", [QuestionType.TRUE_FALSE], 2, 1),
            ("填空", [QuestionType.FILL], 2, 1),
            ("简答", [QuestionType.SHORT], 1, 5),
        )
    )


def test_a_reloaded_paper_shows_what_the_client_saved(client, staff_user):
    """The crash test's resume check reads the real paper page: every answer saved must read
    back exactly as the client sent it, and unanswered questions as None."""
    import random

    attempt = services.start_attempt(exam=mixed_exam(), user=staff_user, now=timezone.now())
    client.force_login(staff_user)
    paper = parse_paper(client.get(attempt.get_absolute_url()).content.decode())
    assert paper.save_path == f"/attempts/{attempt.public_id}/answers/"
    assert paper.submit_path == f"/attempts/{attempt.public_id}/submit/"
    assert len(paper.csrf_token) >= 32 and len(paper.questions) == 9
    assert all(q.shown is None for q in paper.questions.values())
    rng = random.Random(5)
    sent = {}
    for position, question in paper.questions.items():
        if position == 9:
            continue  # one left unanswered
        sent[position] = random_response(question, rng)
        reply = client.post(
            paper.save_path,
            json.dumps({"position": position, "response": sent[position]}),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=paper.csrf_token,
        )
        assert reply.json()["saved"] is True, reply.json()
    reloaded = parse_paper(client.get(attempt.get_absolute_url()).content.decode())
    for position, question in reloaded.questions.items():
        assert question.shown == sent.get(position), (question.type, position)
    stored = dict(AttemptQuestion.objects.filter(attempt=attempt).values_list("position", "type"))
    assert {p: q.type for p, q in reloaded.questions.items()} == stored


def test_random_responses_are_valid_for_the_server():
    import random

    from quizzes.papers.grading import normalise_response

    rng = random.Random(1)
    for qtype, options, blanks in [("single", 4, 0), ("multiple", 5, 0), ("fill", 0, 3)]:
        question = PaperQuestion(1, qtype, options=options, blanks=blanks)
        for _ in range(50):
            value = random_response(question, rng)
            assert normalise_response(qtype, value, options, blanks) == value


def test_prepared_sessions_sign_the_simulated_staff_in(client, db):
    prepared = prepare_load_exam(takers=3, now=timezone.now())
    again = prepare_load_exam(takers=3, now=timezone.now())
    assert prepared.users_created == 3 and again.users_created == 0
    assert [name for name, _ in prepared.sessions] == ["LT0001", "LT0002", "LT0003"]
    client.cookies["sessionid"] = prepared.sessions[1][1]
    page = client.get("/exams/")
    assert page.status_code == 200
    assert prepared.title in page.content.decode()
    start = client.post(prepared.start_path)
    assert start.status_code == 302 and start["Location"].startswith("/attempts/")


def test_the_check_finds_a_lost_save_and_a_double_grading(staff_user):
    exam = mixed_exam()
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    public_id = str(attempt.public_id)
    events = []
    for item in attempt.questions.filter(type__in=["single", "truefalse"]):
        value = 0 if item.type == "single" else True
        services.save_answer(
            attempt_id=attempt.pk, position=item.position, raw_response=value, now=timezone.now()
        )
        events.append(SaveEvent(public_id, item.position, value, True))
    services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    result = verify_load_run(exam_id=exam.pk, events=events, submitted=[public_id])
    assert result.ok and result.answers_found == 4 and result.graded_once == 1

    # A save the server acknowledged but the database does not hold.
    lost = events[0]
    AttemptQuestion.objects.filter(attempt=attempt, position=lost.position).update(response=None)
    result = verify_load_run(exam_id=exam.pk, events=events, submitted=[public_id])
    assert not result.ok and result.answers_found == 3
    assert f"第 {lost.position} 题" in result.missing[0]

    # Graded twice: the exam's answer records written a second time.
    AttemptQuestion.objects.filter(attempt=attempt, position=lost.position).update(response=0)
    judged = AnswerRecord.objects.filter(user=staff_user, origin=AnswerRecord.Origin.EXAM)
    AnswerRecord.objects.bulk_create(
        [
            AnswerRecord(
                user_id=r.user_id,
                question_id=r.question_id,
                origin=r.origin,
                is_correct=r.is_correct,
            )
            for r in judged
        ]
    )
    result = verify_load_run(exam_id=exam.pk, events=events, submitted=[public_id])
    assert result.missing == [] and result.graded_once == 0
    assert "答题记录" in result.grading_problems[0]

    # Submitted by the client but never graded by the server.
    result = verify_load_run(
        exam_id=exam.pk, events=[], submitted=["00000000-0000-0000-0000-000000000000"]
    )
    assert any("数据库中没有这份作答" in problem for problem in result.grading_problems)
