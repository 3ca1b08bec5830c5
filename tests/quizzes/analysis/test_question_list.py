"""The admin question list reads the latest statistics run: 得分率, 区分度 and the flags per
question, a filter by flag (样本不足 too), sorting by the figures with the unanalysed last, a flag
linking to the question's figures and recent answers — in the same number of queries for one
row as for a full page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quizzes.analysis import services
from quizzes.analysis.models import ItemStatistic, StatsRun

from .papers import exam, make_questions, sit
from .test_item_stats import thirty_papers  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
QUESTIONS = "/admin/quizzes/questions/"


@pytest.fixture
def analysed(client, editor_user, staff_user, thirty_papers):  # noqa: F811
    """The 30 papers of the hand-computed matrix and 3 papers of two other questions, computed
    into a run; an older run that says otherwise must not be read."""
    _, questions = thirty_papers
    few = make_questions(2, prefix="few")
    other = exam(title="样本不足的考试")
    for number in range(1, 4):
        sit(exam=other, user=staff_user, questions=few, row=[1, 0], number=number)
    older = services.request_run(by=editor_user)
    services.run_statistics(run_id=older.pk)
    ItemStatistic.objects.filter(run=older).update(facility=0.5, flags=["too_easy"])
    StatsRun.objects.filter(pk=older.pk).update(requested_at=older.requested_at.replace(year=2020))
    run = services.request_run(by=editor_user)
    services.run_statistics(run_id=run.pk)
    client.force_login(editor_user)
    return client, questions, few


def codes(response) -> list[str]:
    assert response.status_code == 200
    return [question.code for question in response.context["object_list"]]


def test_list_shows_the_latest_figures_and_flags_linking_to_recent_answers(analysed):
    client, questions, few = analysed
    response = client.get(QUESTIONS, {"q": "analysis-"})
    html = response.content.decode()
    assert "得分率（统计）" in html and "区分度" in html and "分析标记" in html
    rows = {q.code: q for q in response.context["object_list"]}
    hard = rows[questions[3].code]
    assert hard.ia_facility == pytest.approx(1 / 6, abs=1e-4)
    assert "too_hard" in hard.ia_flags and "too_easy" not in hard.ia_flags  # not the older run
    assert f'href="/admin/analysis/questions/{questions[3].pk}/answers/"' in html
    assert "过难" in html and "难度不符" in html
    # The flag's page: the question, its figures and flags, its recent answers.
    page = client.get(f"/admin/analysis/questions/{questions[3].pk}/answers/").content.decode()
    assert "得分率 17%" in page and "过难（得分率 &lt; 20%）" in page
    assert (
        "最近 30 次考试作答" in page and f"/admin/quizzes/questions/edit/{questions[3].pk}/" in page
    )
    # Too few answers: no number, 样本不足 instead.
    html = client.get(QUESTIONS, {"q": "few-"}).content.decode()
    assert "样本不足（3 次）" in html and "样本不足</a>" in html


def test_filter_by_flag(analysed):
    client, questions, few = analysed
    assert codes(client.get(QUESTIONS, {"flag": "too_hard"})) == [questions[3].code]
    assert set(codes(client.get(QUESTIONS, {"flag": "few_answers"}))) == {q.code for q in few}
    dead = set(codes(client.get(QUESTIONS, {"flag": "dead_distractor"})))
    assert questions[0].code in dead and not dead & {q.code for q in few}
    # An unknown flag is not a choice: the page still answers.
    response = client.get(QUESTIONS, {"flag": "nonsense"})
    assert response.status_code == 200


def test_sorting_by_facility_and_discrimination_puts_the_unanalysed_last(analysed):
    client, questions, few = analysed
    ascending = codes(client.get(QUESTIONS, {"ordering": "ia_facility"}))
    descending = codes(client.get(QUESTIONS, {"ordering": "-ia_facility"}))
    analysed_codes = {q.code for q in questions}
    assert ascending[0] == questions[3].code  # 17 %, the lowest
    assert set(ascending[:4]) == analysed_codes and set(descending[:4]) == analysed_codes
    assert descending[3] == questions[3].code
    by_discrimination = codes(client.get(QUESTIONS, {"ordering": "ia_discrimination"}))
    assert set(by_discrimination[:4]) == analysed_codes


def test_queries_do_not_grow_with_rows(analysed, django_assert_max_num_queries):
    client, questions, few = analysed
    run = StatsRun.objects.filter(status="done").first()
    more = make_questions(46, prefix="bulk")
    ItemStatistic.objects.bulk_create(
        ItemStatistic(
            run=run,
            question=question,
            code=question.code,
            type="single",
            stem=question.stem,
            attempts=40,
            facility=0.5,
            discrimination=0.05,
            flags=["weak_discrimination"],
        )
        for question in more
    )
    with CaptureQueriesContext(connection) as one_row:
        assert len(codes(client.get(QUESTIONS, {"q": "analysis-3"}))) == 1
    with django_assert_max_num_queries(len(one_row)):
        listed = codes(client.get(QUESTIONS, {"ordering": "ia_discrimination"}))
    assert len(listed) == 50
    assert sum(code.startswith("bulk-") for code in listed) == 46


def test_bulk_retire_from_the_list_by_flag_needs_a_reason(analysed, editor_user):
    from quizzes.analysis.models import EditorAction
    from quizzes.models import Question

    client, questions, few = analysed

    def retired() -> set[int]:
        return set(Question.objects.filter(status="retired").values_list("pk", flat=True))

    before = retired()
    assert "批量停用" in client.get(QUESTIONS).content.decode()
    url = QUESTIONS + "retire/?flag=too_hard"
    page = client.get(url)
    assert page.status_code == 200 and "筛选出 <strong>1</strong> 道未停用的试题" in (
        page.content.decode()
    )
    # No reason: refused in Chinese, nothing changed.
    html = client.post(url, {"reason": "  "}).content.decode()
    assert "请填写停用原因" in html
    assert retired() == before
    # No filter and no codes: refused (never the whole bank at once).
    html = client.post(QUESTIONS + "retire/", {"reason": "整理题库"}).content.decode()
    assert "没有筛选条件时请填写要停用的编码" in html
    assert retired() == before
    # A code outside the filter: named, nothing changed.
    html = client.post(url, {"reason": "答案待核实", "codes": questions[0].code}).content.decode()
    assert "不存在或不在筛选范围内" in html and questions[0].code in html
    assert retired() == before
    # With a reason: the flagged question only, logged as the report's 停用 is.
    response = client.post(url, {"reason": "得分率过低，题干待核实"})
    assert response.status_code == 302
    assert retired() == before | {questions[3].pk}
    assert Question.objects.get(pk=questions[3].pk).retire_reason == "得分率过低，题干待核实"
    entry = EditorAction.objects.get()
    assert (entry.kind, entry.code, entry.by) == ("retire", questions[3].code, editor_user)
    # Again: nothing left to retire, said so.
    html = client.post(url, {"reason": "再停一次"}).content.decode()
    assert "所选试题都已停用" in html
    assert EditorAction.objects.count() == 1


def test_bulk_retire_is_for_editors_only(client, staff_user, team_leader):
    for user in (staff_user, team_leader):
        client.force_login(user)
        assert client.post(QUESTIONS + "retire/?flag=too_hard", {"reason": "x"}).status_code in (
            302,
            403,
        )
