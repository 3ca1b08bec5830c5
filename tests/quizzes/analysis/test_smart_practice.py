"""智能练习: the spaced schedule, the weakest topics with their reasons, due wrong-book items,
and the questions of an open exam family left out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import RuleSet
from quizzes.analysis import smart
from quizzes.models import AnswerRecord, Attempt, Question, WrongAnswer
from quizzes.practice.selectors import practice_pool

from .papers import exam, sit

pytestmark = pytest.mark.django_db
URL = "/practice/smart/"


def test_spaced_schedule_1_3_7_14_days():
    at = timezone.now()
    due = lambda wrong, streak: smart.review_due(  # noqa: E731
        wrong_count=wrong, correct_streak=streak, last_answered_at=at
    )
    assert due(1, 0) == at + timedelta(days=1)  # just put in the book
    assert due(1, 1) == at + timedelta(days=3)  # came back once, answered right
    assert due(2, 1) == at + timedelta(days=7)  # wrong once more, then right
    assert due(3, 0) == at + timedelta(days=7)
    assert due(4, 1) == at + timedelta(days=14)
    assert due(9, 1) == at + timedelta(days=14)  # never longer than 14 days


def test_review_reason_counts_the_returns():
    reason = smart.review_reason
    assert reason(wrong_count=1, correct_streak=0, days=1) == "错题复习：第 1 次复习，距上次 1 天"
    assert reason(wrong_count=2, correct_streak=0, days=3) == "错题复习：第 2 次复习，距上次 3 天"
    assert reason(wrong_count=2, correct_streak=1, days=7) == "错题复习：第 3 次复习，距上次 7 天"


def weakest_rule_set():
    """A seeded rule set with at least six practice questions."""
    for rule_set in RuleSet.objects.all():
        ids = list(
            practice_pool()
            .filter(rules__rule_set=rule_set)
            .distinct()
            .values_list("pk", flat=True)[:6]
        )
        if len(ids) == 6:
            return rule_set, ids
    raise AssertionError("种子数据中没有足够的规范试题")


def answer(user, question_id, correct, at):
    record = AnswerRecord.objects.create(
        user=user, question_id=question_id, origin="practice", is_correct=correct
    )
    AnswerRecord.objects.filter(pk=record.pk).update(answered_at=at)


def test_weak_rule_set_and_due_wrong_book(staff_user):
    now = timezone.now()
    rule_set, ids = weakest_rule_set()
    # 1 of 3 right on the rule set's questions → 33 %; the other three questions not yet seen.
    for question_id, right in zip(ids[:3], [True, False, False], strict=True):
        answer(staff_user, question_id, right, now - timedelta(days=5))
    other = practice_pool().exclude(pk__in=ids).exclude(rules__rule_set=rule_set).first()
    WrongAnswer.objects.create(
        user=staff_user, question=other, wrong_count=1, last_wrong_at=now - timedelta(days=2)
    )
    answer(staff_user, other.pk, False, now - timedelta(days=2))
    not_due = practice_pool().exclude(pk__in=[*ids, other.pk]).first()
    WrongAnswer.objects.create(
        user=staff_user, question=not_due, wrong_count=1, last_wrong_at=now - timedelta(hours=3)
    )
    chosen = smart.smart_set(user=staff_user, now=now)
    reasons = {item.question.pk: item.reason for item in chosen.items}
    assert reasons[other.pk] == "错题复习：第 1 次复习，距上次 2 天"
    assert not_due.pk not in reasons and chosen.due_later == 1
    weak = [item for item in chosen.items if item.kind == "weak"]
    assert weak and f"您在“{rule_set.name}”上的得分率为 33%" in [item.reason for item in weak]
    # The rule set's questions not yet answered come first (never those answered already).
    picked = [item.question.pk for item in weak if rule_set.name in item.reason]
    assert picked and not set(picked) & set(ids[:3])
    assert set(picked) <= set(
        practice_pool().filter(rules__rule_set=rule_set).values_list("pk", flat=True)
    )
    assert all(Question.objects.get(pk=pk).usage != "exam" for pk in reasons)


def test_questions_of_an_open_exam_family_are_left_out(staff_user):
    now = timezone.now()
    rule_set, ids = weakest_rule_set()
    for question_id in ids[:3]:
        answer(staff_user, question_id, False, now - timedelta(days=1))
    # The person's graded paper of an exam still open for others holds the other three.
    questions = list(Question.objects.filter(pk__in=ids[3:]))
    still_open = exam(title="仍在进行的考试", closes_at=now + timedelta(hours=2))
    sit(exam=still_open, user=staff_user, questions=questions, row=[1, 1, 1])
    blocked = smart.open_family_question_ids(user=staff_user, now=now)
    assert set(ids[3:]) <= blocked
    chosen = smart.smart_set(user=staff_user, now=now)
    assert not set(ids[3:]) & set(chosen.question_ids)
    # Once the exam is over, they may come back.
    type(still_open).objects.filter(pk=still_open.pk).update(
        closes_at=now - timedelta(minutes=1), status="closed"
    )
    assert not smart.open_family_question_ids(user=staff_user, now=now)


def test_page_and_start_hand_over_to_a_practice_session(client, staff_user):
    now = timezone.now()
    _, ids = weakest_rule_set()
    for question_id in ids[:3]:
        answer(staff_user, question_id, False, now - timedelta(days=1))
    client.force_login(staff_user)
    response = client.get(URL)
    assert response.status_code == 200 and "得分率为 0%" in response.content.decode()
    response = client.post(URL)
    assert response.status_code == 302 and "/practice/question/?session=" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_refused_while_sitting_an_exam(client, staff_user):
    now = timezone.now()
    questions = list(practice_pool()[:1])
    sitting = exam(title="正在考的考试")
    attempt = sit(exam=sitting, user=staff_user, questions=questions, row=[1])
    Attempt.objects.filter(pk=attempt.pk).update(
        status=Attempt.Status.IN_PROGRESS, deadline_at=now + timedelta(minutes=30), score=None
    )
    client.force_login(staff_user)
    assert client.get(URL).status_code == 403
    assert client.post(URL).status_code == 403


def smart_session(client, user) -> tuple[str, dict[int, str]]:
    """Start 智能练习 for someone weak on a rule set (0 of 3 right): the session's question
    page, and the reason of each question the set chose."""
    now = timezone.now()
    _, ids = weakest_rule_set()
    for question_id in ids[:3]:
        answer(user, question_id, False, now - timedelta(days=1))
    client.force_login(user)
    response = client.post(URL)
    assert response.status_code == 302
    stored = client.session["practice_sessions"][response["Location"].rpartition("=")[2]]
    assert stored["reasons"] and len(stored["reasons"]) == len(stored["questions"])
    return response["Location"], {int(pk): reason for pk, reason in stored["reasons"].items()}


def test_the_practice_page_shows_why_each_question_was_chosen(client, staff_user):
    location, reasons = smart_session(client, staff_user)
    response = client.get(location)
    question = response.context["question"]
    html = response.content.decode()
    assert "选题原因" in html and reasons[question.pk] in html
    assert "上的得分率为 0%" in reasons[question.pk]
    # The reason names the topic and a share, never the key, and the page shows no key.
    key = Question.objects.get(pk=question.pk)
    assert "正确答案" not in html and "答案" not in reasons[question.pk]
    if key.explanation:
        assert key.explanation[:20] not in html
    # Ordinary practice says nothing of the kind.
    html = client.get("/practice/question/?scope=random").content.decode()
    assert "选题原因" not in html and "得分率为" not in html
    # The subnav leads to 智能练习.
    assert 'href="/practice/smart/"' in html


def test_a_smart_session_is_refused_like_any_practice_while_sitting_an_exam(client, staff_user):
    location, reasons = smart_session(client, staff_user)
    now = timezone.now()
    questions = [Question.objects.get(pk=next(iter(reasons)))]
    sitting = exam(title="会话中开考的考试")
    attempt = sit(exam=sitting, user=staff_user, questions=questions, row=[1])
    Attempt.objects.filter(pk=attempt.pk).update(
        status=Attempt.Status.IN_PROGRESS, deadline_at=now + timedelta(minutes=30), score=None
    )
    response = client.get(location)
    html = response.content.decode()
    assert response.status_code == 403
    assert "选题原因" not in html and not any(reason in html for reason in reasons.values())
