"""The 试题分析 report in the admin: editors only, a run queued for the worker and computed there,
filter by flag, recent answers, bulk 停用 with a reason (refused without one), adopting the
measured difficulty — each logged."""

import pytest

from quizzes.analysis.models import EditorAction, StatsRun
from quizzes.models import Question
from tests.worker import failed, run_queue

from .test_item_stats import thirty_papers  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
REPORT = "/admin/analysis/"


@pytest.fixture
def computed(client, editor_user, thirty_papers, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(editor_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/analysis/run/", {"exam": "", "since": ""})
    assert response.status_code == 302
    assert StatsRun.objects.get().status == "queued"
    assert run_queue() == 1 and not failed()
    assert StatsRun.objects.get().status == "done"
    return thirty_papers


def test_only_editors_open_it(client, staff_user, team_leader):
    for user in (staff_user, team_leader):
        client.force_login(user)
        assert client.get(REPORT).status_code in (302, 403)


def test_report_filters_by_flag_and_links_to_the_question(client, computed):
    _, questions = computed
    html = client.get(REPORT + "?flag=too_hard").content.decode()
    assert questions[3].code in html and questions[0].code not in html
    assert f"/admin/quizzes/questions/edit/{questions[3].pk}/" in html
    answers = client.get(f"/admin/analysis/questions/{questions[3].pk}/answers/")
    assert answers.status_code == 200 and "最近 30 次考试作答" in answers.content.decode()


def test_bulk_retire_needs_a_reason_and_is_logged(client, computed, editor_user):
    from quizzes.analysis.models import ItemStatistic

    _, questions = computed
    item = ItemStatistic.objects.get(code=questions[3].code)
    response = client.post(
        "/admin/analysis/bulk/", {"item": [item.pk], "action": "retire"}, follow=True
    )
    assert "请填写停用原因" in response.content.decode()
    assert Question.objects.get(pk=questions[3].pk).status == "active"
    client.post(
        "/admin/analysis/bulk/",
        {"item": [item.pk], "action": "retire", "reason": "得分率过低，题干待核实"},
    )
    question = Question.objects.get(pk=questions[3].pk)
    assert (question.status, question.retire_reason) == ("retired", "得分率过低，题干待核实")
    entry = EditorAction.objects.get(kind="retire")
    assert (entry.code, entry.by, entry.new_value) == (question.code, editor_user, "停用")


def test_adopt_measured_difficulty(client, computed):
    from quizzes.analysis.models import ItemStatistic

    _, questions = computed
    item = ItemStatistic.objects.get(code=questions[3].code)
    assert (item.stated_difficulty, item.measured_difficulty) == (2, 3)
    client.post("/admin/analysis/bulk/", {"item": [item.pk], "action": "difficulty"})
    assert Question.objects.get(pk=questions[3].pk).difficulty == 3
    entry = EditorAction.objects.get(kind="difficulty")
    assert (entry.old_value, entry.new_value) == ("中", "难") and "17%" in entry.reason
