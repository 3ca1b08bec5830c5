"""Practice sessions (练习组): a chosen length, a counter on every page, no question twice, a
summary with score, time, weak points and the rules to read; 案例练习 materials too; the gate
and tickets as for any practice answer."""

import re

import pytest
from django.utils import timezone

from quizzes.models import AnswerRecord, Material, Question, QuestionType
from quizzes.papers import services
from quizzes.practice import selectors as practice
from tests.quizzes.factories import make_blueprint, make_exam
from tests.quizzes.practice.test_practice import (
    PRACTISABLE,
    form_for,
    make_question,
    right_raw,
    wrong_raw,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    settings.PRACTICE_ANSWER_LIMITS = []


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def start(client, **data):
    response = client.post("/practice/session/", {"kind": "question", **data})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def answer_shown(client, url, *, right: bool):
    """Open the session's question page and answer the question shown; the feedback page."""
    page = client.get(url)
    assert page.status_code == 200
    question = Question.objects.get(pk=page.context["question"].pk)
    raw = right_raw(question) if right else wrong_raw(question)
    feedback = client.post(
        "/practice/answer/",
        {
            "ticket": page.context["ticket"],
            "scope": page.context["scope"].param,
            "session": page.context["session"].id,
            **form_for(question, raw),
        },
    )
    assert feedback.status_code == 200
    return page, question, feedback


def test_a_session_counts_to_its_length_and_ends_with_a_summary(staff_client, staff_user):
    scope = "ruleset:shi-ge-bu-zhun"
    available = practice.questions_in_scope(
        user=staff_user, scope=practice.resolve_scope(raw=scope)
    ).count()
    assert available >= 10
    url = start(staff_client, scope=scope, length="10")
    assert re.fullmatch(r"/practice/question/\?session=[0-9a-f]{12}", url)
    asked = []
    for number in range(1, 11):
        page, question, feedback = answer_shown(staff_client, url, right=number % 3 != 0)
        assert f"第 {number}/10 题" in page.content.decode()
        assert f"第 {number}/10 题" in feedback.content.decode()
        asked.append(question.pk)
    assert len(set(asked)) == 10  # no question twice in a session
    html = feedback.content.decode()
    session_id = url.rsplit("=", 1)[1]
    assert f"/practice/session/{session_id}/" in html and "本组完成，查看小结" in html
    # The question page of a finished session leads to the summary.
    response = staff_client.get(url)
    assert (
        response.status_code == 302 and response["Location"] == f"/practice/session/{session_id}/"
    )
    summary = staff_client.get(response["Location"])
    text = summary.content.decode()
    assert summary.status_code == 200
    assert "<strong>7</strong> / 10 题答对（70%）" in text
    assert "10 / 10 题" in text and "用时" in text
    assert "薄弱知识点" in text and "员工服务“十个不准”" in text  # the rule set, wrong 3 times
    weak = summary.context["summary"].weak_points
    assert any(point.kind == "规范" and point.wrong == 3 and point.asked == 10 for point in weak)
    wrong_ids = [pk for n, pk in enumerate(asked, start=1) if n % 3 == 0]
    rules = {
        rule.get_absolute_url()
        for q in Question.objects.filter(pk__in=wrong_ids)
        for rule in q.rules.all()
    }
    assert rules and all(url in text for url in rules)
    # Every answer was recorded as practice, once.
    assert AnswerRecord.objects.filter(user=staff_user, origin="practice").count() == 10


def test_a_session_is_as_long_as_its_scope_allows(staff_client, staff_user):
    for n in range(3):
        make_question("练习组小范围", f"t-small-{n}", stem=f"小范围题 {n}")
    url = start(staff_client, scope="category:练习组小范围", length="20")
    for number in range(1, 4):
        page, _, _ = answer_shown(staff_client, url, right=True)
        assert f"第 {number}/3 题" in page.content.decode()
    summary = staff_client.get(staff_client.get(url)["Location"])
    assert "<strong>3</strong> / 3 题答对（100%）" in summary.content.decode()
    assert "本组全部答对" in summary.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"scope": "random", "length": "15"}, "每组题数只能选 10、20 或 50"),
        ({"scope": "random", "length": "abc"}, "每组题数只能选 10、20 或 50"),
        ({"scope": "category:没有这个分类", "length": "10"}, "没有名为"),
        ({"scope": "random", "length": "10", "kind": "exam"}, "练习方式无效"),
        ({"scope": "wrongbook", "length": "10"}, "没有可练习的题目"),
    ],
)
def test_bad_session_requests_get_a_chinese_message_and_start_nothing(staff_client, data, message):
    response = staff_client.post("/practice/session/", {"kind": "question", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not staff_client.session.get("practice_sessions")


def test_a_session_can_end_early_and_another_persons_session_is_not_found(
    client, staff_client, team_leader
):
    url = start(staff_client, scope="random", length="20")
    session_id = url.rsplit("=", 1)[1]
    answer_shown(staff_client, url, right=False)
    response = staff_client.post(f"/practice/session/{session_id}/finish/")
    assert response.status_code == 302
    text = staff_client.get(response["Location"]).content.decode()
    assert "<strong>0</strong> / 1 题答对（0%）" in text and "1 / 20 题" in text
    client.force_login(team_leader)
    for status_url in (
        f"/practice/session/{session_id}/",
        f"/practice/question/?session={session_id}",
    ):
        assert client.get(status_url).status_code == 404
    assert client.post(f"/practice/session/{session_id}/finish/").status_code == 404


def test_an_answer_counts_once_in_a_session(staff_client):
    url = start(staff_client, scope="random", length="10")
    page = staff_client.get(url)
    question = Question.objects.get(pk=page.context["question"].pk)
    data = {
        "ticket": page.context["ticket"],
        "scope": "random",
        "session": page.context["session"].id,
        **form_for(question, right_raw(question)),
    }
    assert staff_client.post("/practice/answer/", data).status_code == 200
    assert staff_client.post("/practice/answer/", data).status_code == 409  # the ticket is spent
    assert "第 2/10 题" in staff_client.get(url).content.decode()


def test_case_analysis_sessions_count_materials(staff_client, staff_user):
    available = practice.material_pool().count()
    assert available >= 2
    url = start(staff_client, scope="random", length="10", kind="material")
    assert url.startswith("/practice/case/?session=")
    length = min(10, available)
    page = staff_client.get(url)
    assert f"第 1/{length} 份材料" in page.content.decode()
    material = page.context["material"]
    data = {
        "ticket": page.context["ticket"],
        "scope": "random",
        "session": page.context["session"].id,
    }
    for question in Material.objects.get(pk=material.pk).subquestions.filter(status="active"):
        for name, value in form_for(question, right_raw(question)).items():
            data[f"q{question.pk}-{name}"] = value
    feedback = staff_client.post("/practice/case/answer/", data)
    assert feedback.status_code == 200
    assert f"第 1/{length} 份材料" in feedback.content.decode()
    assert staff_client.get(url).context["material"].pk != material.pk
    summary_url = f"/practice/session/{page.context['session'].id}/"
    staff_client.post(f"{summary_url}finish/")
    text = staff_client.get(summary_url).content.decode()
    subquestions = len(data) - 3
    assert f"<strong>{subquestions}</strong> / {subquestions} 题答对" in text


def test_a_session_stays_closed_while_the_person_sits_an_exam(staff_client, staff_user):
    url = start(staff_client, scope="random", length="10")
    blueprint = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 2, 5), name="练习组考试")
    services.start_attempt(exam=make_exam(blueprint), user=staff_user, now=timezone.now())
    assert staff_client.get(url).status_code == 403
    assert (
        staff_client.post("/practice/session/", {"scope": "random", "length": "10"}).status_code
        == 403
    )


def test_summary_in_a_fixed_number_of_queries(staff_user, django_assert_num_queries):
    questions = list(
        Question.objects.filter(**PRACTISABLE, rules__isnull=False).distinct().order_by("pk")[:50]
    )
    results = [[q.pk, n % 2 == 0] for n, q in enumerate(questions)]
    now = timezone.now()
    with django_assert_num_queries(2):
        summary = practice.session_summary(results=results, started=now, ended=now)
    assert summary.asked == 50 and summary.right == 25 and summary.weak_points
