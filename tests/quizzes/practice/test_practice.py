"""Self-study: practice scopes, immediate feedback, the wrong-answer book (错题本), progress."""

import re
import secrets
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CasePage, RuleItem
from portal.thesaurus.keypoints import example_phrase
from portal.thesaurus.selectors import current_thesaurus
from quizzes.models import (
    PRACTICE_USAGES,
    AnswerRecord,
    AttemptQuestion,
    Exam,
    Question,
    QuestionCategory,
    QuestionType,
    WrongAnswer,
)
from quizzes.papers import services
from quizzes.practice import selectors as practice
from quizzes.practice import services as practice_services
from quizzes.practice.selectors import PracticeError, PracticeRefused

pytestmark = pytest.mark.django_db

ACTIVE = Question.Status.ACTIVE
# What practice may serve: active, and not exam-only (考试专用).
PRACTISABLE = {"status": ACTIVE, "usage__in": PRACTICE_USAGES, "material__isnull": True}


def seeded(qtype: str, *, where=None) -> Question:
    questions = Question.objects.filter(type=qtype, **PRACTISABLE).order_by("code")
    if where:
        return next(q for q in questions if where(q))
    return questions.first()


def right_raw(question: Question):
    key = question.answer
    return {
        "single": lambda: key[0],
        "multiple": lambda: list(key),
        "truefalse": lambda: key[0],
        "fill": lambda: [alternatives[0] for alternatives in key],
        "short": lambda: "；".join(example_phrase(point) for point in key),
    }[question.type]()


def wrong_raw(question: Question):
    key = question.answer
    return {
        "single": lambda: next(i for i in range(len(question.options)) if i != key[0]),
        "multiple": lambda: list(key[:1]),  # a right option, but not all: no partial credit
        "truefalse": lambda: not key[0],
        "fill": lambda: ["完全不对的答案"] * len(key),
        "short": lambda: "随便写写",
    }[question.type]()


def answer(user, question, raw, *, now=None, nonce=None):
    return practice_services.answer_question(
        user=user,
        question=question,
        raw_response=raw,
        now=now or timezone.now(),
        ticket_nonce=nonce or secrets.token_hex(8),
    )


def ticket(user, question) -> dict:
    """The form field the question page carries: a signed single-use ticket for this question."""
    return {"ticket": practice.issue_ticket(user=user, question=question)}


def make_question(category_path: str, code: str, **fields) -> Question:
    fields.setdefault("type", QuestionType.TRUE_FALSE)
    fields.setdefault("stem", f"测试题 {code}")
    fields.setdefault("answer", [True])
    return Question.objects.create(
        code=code, category=QuestionCategory.for_path(category_path), **fields
    )


def form_for(question: Question, raw) -> dict:
    """The practice form's fields for a response."""
    if question.type == QuestionType.SINGLE:
        return {"choice": str(raw)}
    if question.type == QuestionType.MULTIPLE:
        return {"choices": [str(i) for i in raw]}
    if question.type == QuestionType.TRUE_FALSE:
        return {"truefalse": "true" if raw else "false"}
    if question.type == QuestionType.FILL:
        return {"blank": raw}
    return {"text": raw}


# Immediate feedback --------------------------------------------------------------------------


@pytest.mark.parametrize("qtype", [t.value for t in QuestionType])
def test_right_answer_gets_immediate_positive_feedback(staff_user, qtype):
    question = seeded(qtype)
    feedback = answer(staff_user, question, right_raw(question))
    assert feedback.correct is True
    record = AnswerRecord.objects.get(user=staff_user, question=question)
    assert record.origin == "practice" and record.is_correct is True
    assert not WrongAnswer.objects.filter(user=staff_user, question=question).exists()
    assert feedback.answer_text and feedback.explanation == question.explanation


@pytest.mark.parametrize("qtype", [t.value for t in QuestionType])
def test_wrong_answer_gets_immediate_feedback_and_goes_to_the_wrong_book(staff_user, qtype):
    question = seeded(qtype, where=lambda q: q.type != "short" or len(q.answer) >= 2)
    feedback = answer(staff_user, question, wrong_raw(question))
    assert feedback.correct is False
    assert AnswerRecord.objects.get(user=staff_user, question=question).is_correct is False
    entry = WrongAnswer.objects.get(user=staff_user, question=question)
    assert entry.wrong_count == 1 and entry.retired_at is None
    assert "已记入错题本" in feedback.wrongbook_note


def test_choice_feedback_names_the_right_letters_and_marks_the_options(staff_user):
    question = seeded(QuestionType.MULTIPLE)
    feedback = answer(staff_user, question, wrong_raw(question))
    assert feedback.answer_text == "、".join("ABCDEFGH"[i] for i in question.answer)
    assert [row.is_answer for row in feedback.options] == [
        i in question.answer for i in range(len(question.options))
    ]
    assert [row.chosen for row in feedback.options] == [
        i == question.answer[0] for i in range(len(question.options))
    ]
    single = seeded(QuestionType.SINGLE)
    assert answer(staff_user, single, right_raw(single)).answer_text == "ABCD"[single.answer[0]]


def test_true_false_feedback_says_right_or_wrong_in_chinese(staff_user):
    question = seeded(QuestionType.TRUE_FALSE)
    feedback = answer(staff_user, question, not question.answer[0])
    assert feedback.answer_text == ("对" if question.answer[0] else "错")
    assert feedback.response_text == ("错" if question.answer[0] else "对")


def test_fill_feedback_lists_every_accepted_alternative_and_accepts_any_of_them(staff_user):
    question = seeded(QuestionType.FILL, where=lambda q: any(len(alts) > 1 for alts in q.answer))
    raw = [alternatives[-1] for alternatives in question.answer]
    feedback = answer(staff_user, question, raw)
    assert feedback.correct is True
    for alternatives in question.answer:
        for alternative in alternatives:
            assert alternative in feedback.answer_text
    assert [blank.right for blank in feedback.blanks] == [True] * len(question.answer)
    # One wrong blank makes the whole answer wrong, and the feedback says which blank.
    raw[0] = "不对"
    feedback = answer(staff_user, question, raw)
    assert feedback.correct is False
    assert [blank.right for blank in feedback.blanks][0] is False


def test_short_answer_is_right_only_with_every_key_point_and_lists_the_points_found(staff_user):
    question = seeded(QuestionType.SHORT, where=lambda q: len(q.answer) >= 2)
    partial = answer(staff_user, question, f"我认为：{question.answer[0]}")
    assert partial.correct is False
    assert [point.point for point in partial.key_points] == question.answer
    assert partial.key_points[0].found is True
    assert not all(point.found for point in partial.key_points)
    full = answer(staff_user, question, "，".join(question.answer))
    assert full.correct is True and all(point.found for point in full.key_points)


def test_multiple_choice_practice_gives_no_partial_credit(staff_user):
    question = seeded(QuestionType.MULTIPLE)
    assert answer(staff_user, question, list(question.answer[:-1])).correct is False
    assert answer(staff_user, question, list(reversed(question.answer))).correct is True


def test_feedback_links_the_rule_items_and_cases_that_explain_the_question(staff_user):
    question = (
        Question.objects.filter(**PRACTISABLE, rules__isnull=False, cases__isnull=False)
        .order_by("code")
        .first()
    )
    feedback = answer(staff_user, question, right_raw(question))
    urls = {link.url for link in feedback.links}
    for rule in question.rules.all():
        assert rule.get_absolute_url() in urls
    for case in question.cases.all():
        assert case.url in urls
    qa_question = seeded(QuestionType.SHORT, where=lambda q: q.code.startswith("qa-"))
    links = answer(staff_user, qa_question, right_raw(qa_question)).links
    assert qa_question.qa_items.get().get_absolute_url() in {link.url for link in links}


# The wrong-answer book -----------------------------------------------------------------------


def test_two_right_answers_in_a_row_retire_a_wrong_question(staff_user):
    question = seeded(QuestionType.SINGLE)
    start = timezone.now()
    answer(staff_user, question, wrong_raw(question), now=start)
    first = answer(staff_user, question, right_raw(question), now=start + timedelta(minutes=1))
    entry = WrongAnswer.objects.get(user=staff_user, question=question)
    assert entry.correct_streak == 1 and entry.retired_at is None
    assert "再答对 1 次" in first.wrongbook_note
    retire_time = start + timedelta(minutes=2)
    second = answer(staff_user, question, right_raw(question), now=retire_time)
    entry.refresh_from_db()
    assert entry.retired_at == retire_time
    assert "已移出错题本" in second.wrongbook_note
    wrongbook = practice.resolve_scope(raw="wrongbook")
    assert practice.next_question(user=staff_user, scope=wrongbook) is None


def test_a_wrong_answer_in_between_resets_the_streak(staff_user):
    question = seeded(QuestionType.TRUE_FALSE)
    for raw in [wrong_raw(question), right_raw(question), wrong_raw(question)]:
        answer(staff_user, question, raw)
    entry = WrongAnswer.objects.get(user=staff_user, question=question)
    assert (entry.wrong_count, entry.correct_streak, entry.retired_at) == (2, 0, None)
    answer(staff_user, question, right_raw(question))
    entry.refresh_from_db()
    assert entry.correct_streak == 1 and entry.retired_at is None
    answer(staff_user, question, right_raw(question))
    entry.refresh_from_db()
    assert entry.retired_at is not None


def test_right_answers_to_a_question_never_missed_add_nothing_to_the_wrong_book(staff_user):
    question = seeded(QuestionType.SINGLE)
    answer(staff_user, question, right_raw(question))
    assert not WrongAnswer.objects.filter(user=staff_user).exists()


def exam_right_response(item: AttemptQuestion):
    key = item.answer_key
    return {
        "single": lambda: key[0],
        "multiple": lambda: key,
        "truefalse": lambda: key[0],
        "fill": lambda: [alternatives[0] for alternatives in key],
        "short": lambda: "；".join(example_phrase(point) for point in key),
    }[item.type]()


def test_exam_answers_feed_the_wrong_book(staff_user):
    exam = Exam.objects.get(title="综合知识模拟考试")
    now = timezone.now()
    attempt = services.start_attempt(exam=exam, user=staff_user, now=now)
    items = list(attempt.questions.order_by("position"))
    missed = {}
    for item in items:
        response = exam_right_response(item)
        if item.type == "truefalse" and len(missed) < 3:
            response = not response
            missed[item.question_id] = item
        services.save_answer(
            attempt_id=attempt.pk, position=item.position, raw_response=response, now=now
        )
    services.submit_attempt(attempt_id=attempt.pk, now=now + timedelta(minutes=5))
    in_book = set(
        WrongAnswer.objects.filter(user=staff_user, retired_at__isnull=True).values_list(
            "question_id", flat=True
        )
    )
    assert in_book == set(missed)
    exam_records = AnswerRecord.objects.filter(user=staff_user, origin="exam")
    assert exam_records.filter(is_correct=False).count() == 3
    # The wrong book scope now offers exactly those questions practice may serve (an exam-only
    # question stays in the book, with its key, but is never practised).
    scope = practice.resolve_scope(raw="wrongbook")
    practisable = {pk for pk, item in missed.items() if item.question.usage != "exam"}
    assert (
        set(practice.questions_in_scope(user=staff_user, scope=scope).values_list("pk", flat=True))
        == practisable
    )
    if practisable:
        assert practice.next_question(user=staff_user, scope=scope).pk in practisable


def test_a_resubmitted_page_is_not_counted_twice(staff_user):
    question = seeded(QuestionType.SINGLE)
    answer(staff_user, question, wrong_raw(question))
    nonce = secrets.token_hex(8)
    first = answer(staff_user, question, right_raw(question), nonce=nonce)
    assert first.correct
    with pytest.raises(PracticeRefused, match="已经提交过") as refusal:
        answer(staff_user, question, right_raw(question), nonce=nonce)
    assert refusal.value.status == 409
    assert AnswerRecord.objects.filter(user=staff_user, question=question).count() == 2
    entry = WrongAnswer.objects.get(user=staff_user, question=question)
    assert entry.correct_streak == 1 and entry.retired_at is None  # not retired by a refresh
    # Shown again later (a new ticket), a right answer counts and retires the question.
    answer(staff_user, question, right_raw(question))
    entry.refresh_from_db()
    assert entry.retired_at is not None


def scope_ids(user, raw: str) -> set[int]:
    scope = practice.resolve_scope(raw=raw)
    return set(practice.questions_in_scope(user=user, scope=scope).values_list("pk", flat=True))


def test_category_scope_includes_subcategories_and_only_active_questions(staff_user):
    child = make_question("礼仪/电话礼仪测试", "t-child")
    retired = make_question("礼仪", "t-retired", status=Question.Status.RETIRED)
    draft = make_question("礼仪", "t-draft", status=Question.Status.DRAFT)
    expected = set(
        Question.objects.filter(
            **PRACTISABLE, category__path__in=["礼仪", "礼仪/电话礼仪测试"]
        ).values_list("pk", flat=True)
    )
    ids = scope_ids(staff_user, "category:礼仪")
    assert ids == expected and child.pk in ids
    assert retired.pk not in ids and draft.pk not in ids
    assert scope_ids(staff_user, "category:礼仪/电话礼仪测试") == {child.pk}
    next_one = practice.next_question(user=staff_user, scope="category:礼仪")
    assert next_one.pk in expected


def test_rule_set_scope_holds_the_questions_linked_to_any_item_of_the_set(staff_user):
    expected = set(
        Question.objects.filter(**PRACTISABLE, rules__rule_set__code="shi-ge-bu-zhun").values_list(
            "pk", flat=True
        )
    )
    assert len(expected) > 5
    assert scope_ids(staff_user, "ruleset:shi-ge-bu-zhun") == expected
    scope = practice.resolve_scope(raw="ruleset:shi-ge-bu-zhun")
    assert scope.label == "规范：国家电网公司员工服务“十个不准”"
    for _ in range(5):
        assert practice.next_question(user=staff_user, scope=scope).pk in expected


def test_case_scope_holds_the_questions_linked_to_the_case(staff_user):
    case = CasePage.objects.get(slug="dian-xing-06")
    expected = set(case.questions.filter(**PRACTISABLE).values_list("pk", flat=True))
    assert len(expected) >= 4
    assert scope_ids(staff_user, "case:dian-xing-06") == expected
    one = Question.objects.get(pk=min(expected))
    one.status = Question.Status.RETIRED
    one.save()
    assert scope_ids(staff_user, "case:dian-xing-06") == expected - {one.pk}
    # An exam-only question linked to the case is never in the practice scope.
    two = Question.objects.get(pk=max(expected))
    two.usage = "exam"
    two.save()
    assert scope_ids(staff_user, "case:dian-xing-06") == expected - {one.pk, two.pk}


def test_random_scope_covers_every_active_question(staff_user):
    make_question("随机测试", "t-random-draft", status=Question.Status.DRAFT)
    assert scope_ids(staff_user, "random") == set(
        Question.objects.filter(**PRACTISABLE).values_list("pk", flat=True)
    )


def test_wrong_book_scope_is_the_persons_own_open_entries(staff_user, team_leader):
    mine, retired, theirs = Question.objects.filter(**PRACTISABLE, type="single")[:3]
    now = timezone.now()
    WrongAnswer.objects.create(user=staff_user, question=mine, wrong_count=1, last_wrong_at=now)
    WrongAnswer.objects.create(
        user=staff_user, question=retired, wrong_count=1, last_wrong_at=now, retired_at=now
    )
    WrongAnswer.objects.create(user=team_leader, question=theirs, wrong_count=1, last_wrong_at=now)
    assert scope_ids(staff_user, "wrongbook") == {mine.pk}
    assert scope_ids(team_leader, "wrongbook") == {theirs.pk}


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "练习范围无效"),
        ("everything", "练习范围无效"),
        ("category:", "练习范围无效"),
        ("random:extra", "练习范围无效"),
        ("category:礼\x00仪", "练习范围无效"),
        ("category:没有这个分类", "没有名为“没有这个分类”的题库分类"),
        ("ruleset:no-such-set", "没有编码为“no-such-set”的规范"),
        ("case:no-such-case", "没有找到案例“no-such-case”"),
    ],
)
def test_unknown_scopes_are_refused_in_chinese(raw, message):
    with pytest.raises(PracticeError, match=message):
        practice.resolve_scope(raw=raw)


# Which question comes next -------------------------------------------------------------------


def test_next_question_prefers_the_least_answered(staff_user, team_leader):
    questions = list(
        Question.objects.filter(rules__rule_set__code="shi-ge-bu-zhun", **PRACTISABLE)
        .distinct()
        .order_by("pk")
    )
    least = questions[3]
    records = [
        AnswerRecord(user=staff_user, question=q, origin="practice", is_correct=True)
        for q in questions
        if q != least
    ]
    # Another person's answers do not count.
    records += [
        AnswerRecord(user=team_leader, question=least, origin="practice", is_correct=True)
    ] * 1
    AnswerRecord.objects.bulk_create(records)
    for _ in range(5):
        chosen = practice.next_question(user=staff_user, scope="ruleset:shi-ge-bu-zhun")
        assert chosen.pk == least.pk and chosen.times_answered == 0
    AnswerRecord.objects.bulk_create(
        [AnswerRecord(user=staff_user, question=least, origin="exam", is_correct=False)] * 2
    )
    chosen = practice.next_question(user=staff_user, scope="ruleset:shi-ge-bu-zhun")
    assert chosen.pk != least.pk and chosen.times_answered == 1


def test_next_question_is_random_among_equally_answered(staff_user):
    picks = Counter(
        practice.next_question(user=staff_user, scope="ruleset:shi-ge-bu-zhun").pk
        for _ in range(30)
    )
    assert len(picks) > 3


def test_next_question_does_not_repeat_the_one_just_answered_while_another_exists(staff_user):
    first = make_question("轮换测试", "t-rot-1")
    second = make_question("轮换测试", "t-rot-2")
    # `first` is the least answered, yet it was just answered, so the other comes next.
    AnswerRecord.objects.create(
        user=staff_user, question=second, origin="practice", is_correct=True
    )
    assert practice.next_question(user=staff_user, scope="category:轮换测试").pk == first.pk
    chosen = practice.next_question(user=staff_user, scope="category:轮换测试", after=first.pk)
    assert chosen.pk == second.pk
    # With a single question left, it comes again rather than nothing.
    only = make_question("单题测试", "t-only")
    assert practice.next_question(user=staff_user, scope="category:单题测试", after=only.pk) == only


def test_next_question_does_not_load_the_answer(staff_user):
    question = practice.next_question(user=staff_user, scope="random")
    assert {"answer", "explanation"} <= question.get_deferred_fields()


def test_an_empty_scope_has_no_next_question(staff_user):
    QuestionCategory.for_path("空分类测试")
    assert practice.next_question(user=staff_user, scope="category:空分类测试") is None


# Progress ------------------------------------------------------------------------------------


def test_progress_by_category_counts_subcategories_and_only_the_persons_answers(
    staff_user, team_leader
):
    top = [make_question("进度测试", f"t-progress-{n}") for n in range(3)]
    sub = [make_question("进度测试/子类", f"t-progress-sub-{n}") for n in range(2)]
    make_question("进度测试", "t-progress-retired", status=Question.Status.RETIRED)
    answer(staff_user, top[0], False)  # wrong
    answer(staff_user, top[0], True)  # right: streak 1, still in the wrong book
    answer(staff_user, top[1], True)
    answer(staff_user, sub[0], False)
    AnswerRecord.objects.create(user=staff_user, question=sub[1], origin="exam", is_correct=True)
    answer(team_leader, top[2], False)  # someone else's: not counted

    rows = {row.category.path: row for row in practice.progress_by_category(user=staff_user)}
    row = rows["进度测试"]
    assert "进度测试/子类" not in rows  # subcategories roll up into their top-level row
    assert (row.available, row.answered, row.answers, row.correct_answers, row.wrong_book) == (
        5,
        4,
        5,
        3,
        2,
    )
    assert row.correct_rate == 60
    etiquette = rows["礼仪"]
    assert (
        etiquette.available == Question.objects.filter(**PRACTISABLE, category__path="礼仪").count()
    )
    assert etiquette.answered == 0 and etiquette.correct_rate is None

    leader_row = {r.category.path: r for r in practice.progress_by_category(user=team_leader)}
    assert (leader_row["进度测试"].answered, leader_row["进度测试"].wrong_book) == (1, 1)


def test_progress_by_category_uses_a_fixed_number_of_queries(staff_user, django_assert_num_queries):
    questions = list(Question.objects.filter(**PRACTISABLE)[:200])
    AnswerRecord.objects.bulk_create(
        [
            AnswerRecord(user=staff_user, question=q, origin="practice", is_correct=n % 2 == 0)
            for n, q in enumerate(questions)
        ]
    )
    with django_assert_num_queries(4):
        rows = practice.progress_by_category(user=staff_user)
    assert sum(row.answered for row in rows) == 200


# Pages ---------------------------------------------------------------------------------------


def test_pages_need_a_login(client):
    for url in ["/practice/", "/practice/question/?scope=random", "/wrongbook/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
    response = client.post("/practice/answer/", {"ticket": "x", "scope": "random"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not AnswerRecord.objects.exists()


def test_practice_home_offers_every_kind_of_scope_and_the_progress_table(client, staff_user):
    question = seeded(QuestionType.TRUE_FALSE)
    answer(staff_user, question, not question.answer[0])
    client.force_login(staff_user)
    html = client.get("/practice/").content.decode()
    assert "/practice/question/?scope=random" in html
    assert "/practice/question/?scope=wrongbook" in html and "错题本中还有 1 题" in html
    assert "?scope=category%3A%E7%A4%BC%E4%BB%AA" in html  # category:礼仪
    assert "?scope=ruleset%3Ashi-ge-bu-zhun" in html and "员工服务“十个不准”" in html
    assert "?scope=case%3Adian-xing-01" in html and "估超电量出差错应急不足被投诉" in html
    assert "我的进度" in html and "正确率" in html


def test_question_page_shows_the_question_without_its_answer(client, staff_user):
    question = make_question(
        "页面测试",
        "t-page-fill",
        type=QuestionType.FILL,
        stem="抢修人员到达现场的时间：城区不超过____分钟。",
        answer=[["四十五", "45"]],
        explanation="独特的解析文字甲乙丙",
    )
    client.force_login(staff_user)
    response = client.get("/practice/question/", {"scope": "category:页面测试"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "抢修人员到达现场的时间" in html and 'name="blank"' in html
    issued = re.search(r'name="ticket" value="([^"]+)"', html).group(1)
    assert practice.redeem_ticket(user=staff_user, raw=issued).question == question
    assert 'name="scope" value="category:页面测试"' in html
    assert "四十五" not in html and "独特的解析文字" not in html


@pytest.mark.parametrize("qtype", [t.value for t in QuestionType])
def test_posting_an_answer_shows_feedback_and_a_next_link_keeping_the_scope(
    client, staff_user, qtype
):
    question = seeded(qtype)
    client.force_login(staff_user)
    data = {"scope": "ruleset:shi-ge-bu-zhun"}
    response = client.post(
        "/practice/answer/",
        data | ticket(staff_user, question) | form_for(question, right_raw(question)),
    )
    html = response.content.decode()
    assert response.status_code == 200 and "回答正确" in html
    assert f"/practice/question/?scope=ruleset%3Ashi-ge-bu-zhun&amp;after={question.pk}" in html
    assert "下一题" in html
    response = client.post(
        "/practice/answer/",
        data | ticket(staff_user, question) | form_for(question, wrong_raw(question)),
    )
    html = response.content.decode()
    assert response.status_code == 200 and "回答错误" in html and "正确答案：" in html
    assert list(
        AnswerRecord.objects.filter(user=staff_user).values_list("is_correct", flat=True)
    ) == [True, False]
    assert WrongAnswer.objects.filter(user=staff_user, question=question).exists()


def test_feedback_page_links_the_explaining_rule_and_case(client, staff_user):
    question = (
        Question.objects.filter(**PRACTISABLE, cases__slug="dian-xing-01", rules__isnull=False)
        .order_by("code")
        .first()
    )
    client.force_login(staff_user)
    html = client.post(
        "/practice/answer/",
        {"scope": "case:dian-xing-01"}
        | ticket(staff_user, question)
        | form_for(question, right_raw(question)),
    ).content.decode()
    assert question.rules.first().get_absolute_url() in html
    assert CasePage.objects.get(slug="dian-xing-01").url in html


def post_single(client, target: Question, user, **fields):
    data = {"scope": "random", "choice": "0"} | ticket(user, target)
    data.update(fields)
    return client.post("/practice/answer/", {k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize(
    "fields, status, message",
    [
        ({"scope": "nonsense:x"}, 403, "练习范围无效"),
        ({"scope": "category:不存在的分类"}, 403, "没有名为“不存在的分类”的题库分类"),
        ({"ticket": "abc"}, 403, "题目凭证无效"),
        ({"ticket": None}, 403, "题目凭证无效"),
        ({"ticket": "9" * 300}, 403, "题目凭证无效"),
        ({"choice": "x"}, 400, "所选选项不存在"),
        ({"choice": "99"}, 400, "所选选项不存在"),
        ({"choice": "-1"}, 400, "所选选项不存在"),
        ({"choice": ""}, 400, "请先作答再提交"),
    ],
)
def test_bad_answers_to_a_choice_question_change_nothing(
    client, staff_user, fields, status, message
):
    question = seeded(QuestionType.SINGLE)
    client.force_login(staff_user)
    response = post_single(client, question, staff_user, **fields)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not AnswerRecord.objects.filter(user=staff_user).exists()
    assert not WrongAnswer.objects.filter(user=staff_user).exists()


@pytest.mark.parametrize(
    "qtype, fields, message",
    [
        ("truefalse", {"truefalse": "maybe"}, "判断题只能选择“对”或“错”"),
        ("truefalse", {}, "请先作答再提交"),
        ("multiple", {"choices": ["0", "x"]}, "所选选项不存在"),
        ("multiple", {"choices": ["0", "42"]}, "所选选项不存在"),
        ("multiple", {}, "请先作答再提交"),
        ("fill", {"blank": ["a"] * 9}, "填空题应填写"),
        ("fill", {"blank": ["x" * 201]}, "每个空最多填写 200 个字"),
        ("short", {"text": "   "}, "请先作答再提交"),
        ("short", {"text": "字" * 5001}, "简答题最多填写 5000 个字"),
    ],
)
def test_malformed_responses_show_the_form_again_and_record_nothing(
    client, staff_user, qtype, fields, message
):
    question = seeded(qtype, where=lambda q: q.type != "fill" or len(q.answer) == 1)
    client.force_login(staff_user)
    response = client.post(
        "/practice/answer/", {"scope": "random"} | ticket(staff_user, question) | fields
    )
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    assert 'action="/practice/answer/"' in html  # the form again
    assert not AnswerRecord.objects.filter(user=staff_user).exists()
    assert not WrongAnswer.objects.filter(user=staff_user).exists()


def test_a_retired_question_cannot_be_answered(client, staff_user):
    question = seeded(QuestionType.SINGLE)
    question.status = Question.Status.RETIRED
    question.save()
    client.force_login(staff_user)
    response = post_single(client, question, staff_user, choice=str(question.answer[0]))
    assert response.status_code == 403 and "该题已停用" in response.content.decode()
    assert "正确答案" not in response.content.decode()
    assert not AnswerRecord.objects.exists()
    with pytest.raises(PracticeError, match="该题已停用"):
        answer(staff_user, question, question.answer[0])


def test_question_page_with_an_unknown_scope_says_so(client, staff_user):
    client.force_login(staff_user)
    for scope in ["ruleset:nope", "whatever", ""]:
        response = client.get("/practice/question/", {"scope": scope})
        assert response.status_code == 400
        assert "请从练习首页" in response.content.decode()
    for after in ["abc", "9" * 30, "-1"]:
        response = client.get(f"/practice/question/?scope=random&after={after}")
        assert response.status_code == 200  # a broken `after` is ignored


def test_getting_the_answer_url_goes_back_to_the_practice_home(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/practice/answer/")
    assert response.status_code == 302 and response["Location"] == "/practice/"


def test_the_question_page_form_counts_once_when_sent_twice(client, staff_user):
    question = make_question("重复提交测试", "t-twice")
    client.force_login(staff_user)
    html = client.get("/practice/question/", {"scope": "category:重复提交测试"}).content.decode()
    issued = re.search(r'name="ticket" value="([^"]+)"', html).group(1)
    data = {"ticket": issued, "scope": "category:重复提交测试"}
    first = client.post("/practice/answer/", data | {"truefalse": "false"})
    again = client.post("/practice/answer/", data | {"truefalse": "true"})
    assert first.status_code == 200 and again.status_code == 409
    assert "已经提交过" in again.content.decode() and "正确答案" not in again.content.decode()
    assert AnswerRecord.objects.filter(user=staff_user, question=question).count() == 1
    assert WrongAnswer.objects.get(user=staff_user, question=question).wrong_count == 1


def test_empty_wrong_book_practice_says_it_is_empty(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/practice/question/", {"scope": "wrongbook"})
    assert response.status_code == 200 and "错题本是空的" in response.content.decode()


def test_wrong_book_page_lists_entries_with_their_explaining_links(client, staff_user):
    linked = (
        Question.objects.filter(**PRACTISABLE, type="single", rules__isnull=False)
        .order_by("code")
        .first()
    )
    retired = seeded(QuestionType.TRUE_FALSE)
    answer(staff_user, linked, wrong_raw(linked))
    answer(staff_user, linked, wrong_raw(linked))
    answer(staff_user, linked, right_raw(linked))
    for raw in [wrong_raw(retired), right_raw(retired), right_raw(retired)]:
        answer(staff_user, retired, raw)
    client.force_login(staff_user)
    html = client.get("/wrongbook/").content.decode()
    assert linked.stem[:20] in html
    assert "答错 <strong>2</strong> 次" in html and "已连续答对 1 次" in html
    assert linked.rules.first().get_absolute_url() in html
    assert "/practice/question/?scope=wrongbook" in html and "练习错题（1 题）" in html
    assert "已移出错题本的题目（1 题）" in html


def test_a_staff_user_never_sees_another_users_wrong_book(client, staff_user, team_leader):
    theirs = make_question("他人错题", "t-theirs", stem="只属于班组长的错题题干")
    mine = make_question("他人错题", "t-mine", stem="只属于员工本人的错题题干")
    answer(team_leader, theirs, False)
    answer(staff_user, mine, False)
    client.force_login(staff_user)
    for url in ["/wrongbook/", f"/wrongbook/?user={team_leader.pk}"]:
        html = client.get(url).content.decode()
        assert "只属于员工本人的错题题干" in html
        assert "只属于班组长的错题题干" not in html
    response = client.get("/practice/question/", {"scope": "wrongbook"})
    assert response.context["question"].pk == mine.pk
    client.force_login(team_leader)  # a supervisor's own book holds only their own entries
    html = client.get("/wrongbook/").content.decode()
    assert "只属于班组长的错题题干" in html and "只属于员工本人的错题题干" not in html


# Query counts --------------------------------------------------------------------------------


def give_history(user, size: int) -> None:
    """`size` answer records and wrong-book entries (with rule and case links), half retired."""
    questions = list(
        Question.objects.filter(**PRACTISABLE, rules__isnull=False).distinct().order_by("pk")[:size]
    )
    now = timezone.now()
    AnswerRecord.objects.bulk_create(
        [
            AnswerRecord(user=user, question=q, origin=origin, is_correct=False)
            for q in questions
            for origin in ["practice", "exam"]
        ]
    )
    # Answered over the past days, not in the last minutes (the practice rate limit).
    AnswerRecord.objects.filter(user=user).update(answered_at=now - timedelta(days=2))
    WrongAnswer.objects.bulk_create(
        [
            WrongAnswer(
                user=user,
                question=q,
                wrong_count=2,
                last_wrong_at=now,
                retired_at=now if n % 2 else None,
            )
            for n, q in enumerate(questions)
        ]
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "url, limit",
    [
        ("/practice/", 14),
        ("/practice/question/?scope=random", 10),
        ("/practice/question/?scope=wrongbook", 10),
        ("/practice/question/?scope=ruleset%3Ashi-ge-bu-zhun", 10),
        ("/practice/question/?scope=case%3Adian-xing-01", 10),
        ("/wrongbook/", 17),  # + the filter's choices: categories, rule sets, cases
    ],
)
def test_self_study_pages_use_a_fixed_number_of_queries(
    client, staff_user, team_leader, url, limit, django_assert_max_num_queries
):
    give_history(team_leader, 4)
    give_history(staff_user, 4)
    client.force_login(staff_user)
    client.get(url)  # warm caches (site root paths, content types)
    few = count_queries(client, url)
    AnswerRecord.objects.filter(user=staff_user).delete()
    WrongAnswer.objects.filter(user=staff_user).delete()
    give_history(staff_user, 150)
    many = count_queries(client, url)
    assert few == many
    with django_assert_max_num_queries(limit):
        client.get(url)


def test_answering_uses_a_fixed_number_of_queries(
    client, staff_user, django_assert_max_num_queries
):
    give_history(staff_user, 100)
    question = Question.objects.filter(
        **PRACTISABLE, type="single", rules__isnull=False, cases__isnull=False
    ).first()
    client.force_login(staff_user)
    current_thesaurus()  # loaded once per process and thesaurus edit, not per answer
    with django_assert_max_num_queries(20):
        response = client.post(
            "/practice/answer/",
            {"scope": "random"}
            | ticket(staff_user, question)
            | form_for(question, right_raw(question)),
        )
    assert response.status_code == 200


def test_rule_links_resolve_to_rule_pages(client, staff_user):
    rule = RuleItem.objects.filter(rule_set__code="shi-ge-bu-zhun", questions__isnull=False).first()
    client.force_login(staff_user)
    assert client.get(rule.get_absolute_url()).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submits_at_once_of_one_page_count_once(staff_user):
    question = make_question("并发测试", "t-concurrent")
    nonce = secrets.token_hex(8)
    barrier = threading.Barrier(3)
    results, refused, errors = [], [], []

    def submit():
        try:
            barrier.wait()
            results.append(answer(staff_user, question, False, nonce=nonce))
        except PracticeRefused as refusal:
            refused.append(refusal.status)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(results) == 1 and refused == [409, 409]
    assert AnswerRecord.objects.filter(user=staff_user, question=question).count() == 1
    assert WrongAnswer.objects.get(user=staff_user, question=question).wrong_count == 1
