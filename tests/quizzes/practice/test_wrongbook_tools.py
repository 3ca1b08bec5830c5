"""The wrong-answer book's filters (category, rule set, case, type), paging with the filter kept,
移出错题本 for one entry and for the filtered set (another person's entry: 404, nothing changed),
重练这些题 (a practice session of exactly those questions), in a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes.models import Question, QuestionType, WrongAnswer
from quizzes.practice.selectors import WRONGBOOK_PAGE_SIZE
from tests.quizzes.practice.test_practice import PRACTISABLE, form_for, right_raw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    settings.PRACTICE_ANSWER_LIMITS = []


def fill_book(user, questions) -> list[WrongAnswer]:
    now = timezone.now()
    return WrongAnswer.objects.bulk_create(
        [WrongAnswer(user=user, question=q, wrong_count=1, last_wrong_at=now) for q in questions]
    )


def shown_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'id="entry-(\d+)"', html)}


@pytest.fixture
def book(staff_user):
    """Entries: six questions of 十个不准, up to three of case dian-xing-01, three true/false."""
    rule_set = list(
        Question.objects.filter(**PRACTISABLE, rules__rule_set__code="shi-ge-bu-zhun")
        .distinct()
        .order_by("pk")[:6]
    )
    case = list(
        Question.objects.filter(**PRACTISABLE, cases__slug="dian-xing-01")
        .exclude(pk__in=[q.pk for q in rule_set])
        .distinct()
        .order_by("pk")[:3]
    )
    taken = [q.pk for q in rule_set + case]
    truefalse = list(
        Question.objects.filter(**PRACTISABLE, type=QuestionType.TRUE_FALSE)
        .exclude(pk__in=taken)
        .order_by("pk")[:3]
    )
    assert len(rule_set) == 6 and case and len(truefalse) == 3
    entries = fill_book(staff_user, rule_set + case + truefalse)
    return {"rule_set": rule_set, "case": case, "truefalse": truefalse, "entries": entries}


def entry_ids(user, questions) -> set[int]:
    return set(
        WrongAnswer.objects.filter(user=user, question__in=questions).values_list("pk", flat=True)
    )


def test_filters_narrow_the_book(client, staff_user, book):
    client.force_login(staff_user)
    html = client.get("/wrongbook/", {"ruleset": "shi-ge-bu-zhun"}).content.decode()
    assert shown_ids(html) == entry_ids(staff_user, book["rule_set"])
    assert "筛选出 <strong>6</strong> 题" in html
    html = client.get("/wrongbook/", {"case": "dian-xing-01"}).content.decode()
    linked = Question.objects.filter(
        cases__slug="dian-xing-01", pk__in=[e.question_id for e in book["entries"]]
    )
    assert shown_ids(html) == entry_ids(staff_user, linked)
    html = client.get("/wrongbook/", {"type": "truefalse"}).content.decode()
    truefalse = [e.question for e in book["entries"] if e.question.type == QuestionType.TRUE_FALSE]
    assert shown_ids(html) == entry_ids(staff_user, truefalse)
    category = book["truefalse"][0].category.path.split("/")[0]
    html = client.get("/wrongbook/", {"category": category}).content.decode()
    in_category = [
        e.question for e in book["entries"] if e.question.category.path.split("/")[0] == category
    ]
    assert shown_ids(html) == entry_ids(staff_user, in_category)
    # Combined: a rule set and a type.
    html = client.get(
        "/wrongbook/", {"ruleset": "shi-ge-bu-zhun", "type": "truefalse"}
    ).content.decode()
    both = [q for q in book["rule_set"] if q.type == QuestionType.TRUE_FALSE]
    assert shown_ids(html) == entry_ids(staff_user, both)
    # The filter offers only what the book holds.
    html = client.get("/wrongbook/").content.decode()
    assert '<option value="shi-ge-bu-zhun"' in html and '<option value="dian-xing-01"' in html


def test_unknown_filter_values_say_so_in_chinese(client, staff_user, book):
    client.force_login(staff_user)
    response = client.get("/wrongbook/", {"ruleset": "no-such", "type": "essay", "category": "无"})
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "没有编码为“no-such”的规范" in html
        and "题型无效" in html
        and "没有名为“无”的题库分类" in html
    )
    assert len(shown_ids(html)) == len(book["entries"])


def test_paging_keeps_the_filter(client, staff_user):
    questions = list(
        Question.objects.filter(**PRACTISABLE).order_by("pk")[: WRONGBOOK_PAGE_SIZE + 5]
    )
    fill_book(staff_user, questions)
    client.force_login(staff_user)
    first = client.get("/wrongbook/").content.decode()
    assert len(shown_ids(first)) == WRONGBOOK_PAGE_SIZE and "第 1 / 2 页" in first
    second = client.get("/wrongbook/", {"page": 2}).content.decode()
    assert len(shown_ids(second)) == 5 and not shown_ids(first) & shown_ids(second)
    kind = questions[0].type
    filtered = client.get("/wrongbook/", {"type": kind}).content.decode()
    if "下一页" in filtered:
        assert f"?type={kind}&amp;page=2" in filtered


def test_remove_one_entry_and_another_persons_is_not_found(client, staff_user, team_leader, book):
    mine = book["entries"][0]
    theirs = fill_book(team_leader, [book["truefalse"][0]])[0]
    client.force_login(staff_user)
    response = client.post(f"/wrongbook/{mine.pk}/remove/", {"type": "truefalse"})
    assert response.status_code == 302 and response["Location"] == "/wrongbook/?type=truefalse"
    mine.refresh_from_db()
    assert mine.retired_at is not None
    assert client.post(f"/wrongbook/{theirs.pk}/remove/").status_code == 404
    assert client.post(f"/wrongbook/{mine.pk}/remove/").status_code == 404  # already out
    theirs.refresh_from_db()
    assert theirs.retired_at is None
    html = client.get("/wrongbook/").content.decode()
    assert mine.pk not in shown_ids(html) and "已移出错题本的题目（1 题）" in html


def test_remove_the_filtered_set_needs_confirmation(client, staff_user, team_leader, book):
    theirs = fill_book(team_leader, book["rule_set"][:2])
    client.force_login(staff_user)
    client.post("/wrongbook/remove/", {"ruleset": "shi-ge-bu-zhun"})
    assert WrongAnswer.objects.filter(user=staff_user, retired_at__isnull=True).count() == len(
        book["entries"]
    )
    response = client.post("/wrongbook/remove/", {"ruleset": "shi-ge-bu-zhun", "confirm": "yes"})
    assert response.status_code == 302
    still = set(
        WrongAnswer.objects.filter(user=staff_user, retired_at__isnull=True).values_list(
            "question_id", flat=True
        )
    )
    assert still == {e.question_id for e in book["entries"]} - {q.pk for q in book["rule_set"]}
    assert (
        WrongAnswer.objects.filter(pk__in=[e.pk for e in theirs], retired_at__isnull=True).count()
        == 2
    )
    # A filter naming nothing removes nothing.
    client.post("/wrongbook/remove/", {"ruleset": "no-such", "confirm": "yes"})
    assert WrongAnswer.objects.filter(user=staff_user, retired_at__isnull=True).count() == len(
        still
    )


def test_a_removed_question_answered_wrongly_comes_back(client, staff_user, book):
    from tests.quizzes.practice.test_practice import answer, wrong_raw

    entry = book["entries"][0]
    client.force_login(staff_user)
    client.post(f"/wrongbook/{entry.pk}/remove/")
    answer(staff_user, entry.question, wrong_raw(entry.question))
    entry.refresh_from_db()
    assert entry.retired_at is None and entry.wrong_count == 2


def test_practise_these_asks_exactly_the_filtered_questions(client, staff_user, book):
    client.force_login(staff_user)
    response = client.post("/wrongbook/practise/", {"ruleset": "shi-ge-bu-zhun"})
    assert response.status_code == 302 and "?session=" in response["Location"]
    url = response["Location"]
    asked = []
    for number in range(1, 7):
        page = client.get(url)
        assert f"第 {number}/6 题" in page.content.decode()
        question = Question.objects.get(pk=page.context["question"].pk)
        asked.append(question.pk)
        client.post(
            "/practice/answer/",
            {
                "ticket": page.context["ticket"],
                "scope": page.context["scope"].param,
                "session": page.context["session"].id,
                **form_for(question, right_raw(question)),
            },
        )
    assert sorted(asked) == sorted(q.pk for q in book["rule_set"])
    summary = client.get(client.get(url)["Location"]).content.decode()
    assert "<strong>6</strong> / 6 题答对" in summary


def test_practise_an_empty_selection_says_so(client, staff_user):
    client.force_login(staff_user)
    response = client.post("/wrongbook/practise/", {})
    assert response.status_code == 400 and "没有可单独练习的题目" in response.content.decode()


def test_filtered_book_in_a_fixed_number_of_queries(client, staff_user, book):
    client.force_login(staff_user)
    client.get("/wrongbook/")
    counts = []
    for params in ({}, {"ruleset": "shi-ge-bu-zhun", "type": "single"}, {"case": "dian-xing-01"}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/wrongbook/", params).status_code == 200
        counts.append(len(queries))
    assert max(counts) <= 22, counts
    more = list(
        Question.objects.filter(**PRACTISABLE)
        .exclude(pk__in=[e.question_id for e in book["entries"]])
        .order_by("pk")[:20]
    )
    fill_book(staff_user, more)
    with CaptureQueriesContext(connection) as queries:
        client.get("/wrongbook/")
    assert len(queries) == counts[0]
