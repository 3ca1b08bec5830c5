"""What a team has not learned: mastery per knowledge point, rule set and case worked out by hand,
people below the threshold, the trend, the XLSX, and access (404 outside the scope)."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import RuleItem
from portal.months import month_of
from portal.organisation.models import StaffProfile
from quizzes.analysis import mastery
from quizzes.models import Attempt

from .papers import exam, make_questions, sit

pytestmark = pytest.mark.django_db
URL = "/team/analytics/"


@pytest.fixture
def team_papers(team_leader):
    """Two people of 营业二班, three questions: 首问负责 (q0), 十个不准 (q1, linked to a rule
    set), 十个不准 (q2). Person A: right, wrong, wrong; person B: right, right, wrong — and a
    voided paper of A's, all right, that must not count."""
    people = list(
        StaffProfile.objects.filter(unit__code="CG-YYT-2")
        .exclude(user=team_leader)
        .order_by("employee_number")[:2]
    )
    questions = make_questions(3)
    questions[0].knowledge_point = "首问负责"
    questions[1].knowledge_point = questions[2].knowledge_point = "十个不准"
    for question in questions:
        question.save()
    rule = RuleItem.objects.select_related("rule_set").first()
    questions[1].rules.add(rule)
    the_exam = exam()
    sit(exam=the_exam, user=people[0].user, questions=questions, row=[1, 0, 0])
    sit(exam=the_exam, user=people[1].user, questions=questions, row=[1, 1, 0])
    sit(
        exam=the_exam,
        user=people[0].user,
        questions=questions,
        row=[1, 1, 1],
        number=2,
        status=Attempt.Status.VOIDED,
    )
    return people, rule.rule_set


def test_mastery_by_hand(team_papers, django_assert_max_num_queries):
    from portal.organisation.models import Unit

    people, rule_set = team_papers
    unit = Unit.objects.get(code="CG-YYT-2")
    months = mastery.period(end=month_of(timezone.now()), months=2)
    with django_assert_max_num_queries(7):
        result = mastery.team_mastery(unit=unit, months=months, threshold=0.6)
    assert result.answers == 6  # two papers of three; the voided paper never counts
    points = {s.label: (s.share, s.answers) for s in result.knowledge_points}
    # 十个不准: 1 point of 4 (A: 0 + 0, B: 1 + 0) = 25 %; 首问负责: 2 of 2.
    assert points == {"十个不准": (0.25, 4), "首问负责": (1.0, 2)}
    assert [s.label for s in result.knowledge_points] == ["十个不准", "首问负责"]  # weakest first
    assert [(s.label, s.share, s.answers) for s in result.rule_sets] == [(rule_set.name, 0.5, 2)]
    # Below 60 % on 十个不准: A (0 of 2) and B (1 of 2 = 50 %), lowest first.
    assert [(p.employee_number, p.share) for p in result.below["十个不准"]] == [
        (people[0].employee_number, 0.0),
        (people[1].employee_number, 0.5),
    ]
    assert "首问负责" not in result.below
    assert result.trend[-1][1:] == (pytest.approx(3 / 6), 6)
    assert result.trend[0][1:] == (None, 0)
    assert len(result.heat_rows) == 2 and result.heat_columns == [rule_set.name]


def test_page_shows_charts_and_weakest_first(client, team_leader, team_papers):
    client.force_login(team_leader)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "十个不准：得分率 25%，4 次作答" in html
    assert html.index("十个不准") < html.index("首问负责")
    assert "style=" not in html.split("<svg", 1)[1]  # the CSP forbids inline styles


def test_xlsx_export_is_formula_safe(client, team_leader, team_papers):
    people, _ = team_papers
    StaffProfile.objects.filter(pk=people[0].pk).update(name="=HYPERLINK(1)")
    client.force_login(team_leader)
    response = client.get(URL.replace("/analytics/", "/analytics/export.xlsx"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "知识点",
        "规范",
        "案例",
        "月度趋势",
        "低于阈值人员",
        "人员×规范",
    ]
    rows = list(workbook["知识点"].iter_rows(values_only=True))
    assert rows[1] == ("知识点", "得分率（%）", "作答次数", "得分", "满分")
    assert rows[2][:3] == ("十个不准", 25.0, 4)
    names = [row[2] for row in workbook["低于阈值人员"].iter_rows(min_row=3, values_only=True)]
    assert "=HYPERLINK(1)" in names
    cell = next(
        c
        for row in workbook["低于阈值人员"].iter_rows(min_row=3)
        for c in row
        if c.value == "=HYPERLINK(1)"
    )
    assert cell.data_type == "s"


def test_scope(client, team_leader, hr_user, staff_user):
    client.force_login(team_leader)
    assert client.get(URL + "?unit=CG").status_code == 404  # the company: not in their scope
    assert client.get(URL + "?unit=CG-YYT-2").status_code == 200
    client.force_login(hr_user)
    response = client.get(URL + "?unit=CG")
    assert response.status_code == 200 and "含下级单位" in response.content.decode()
    client.force_login(staff_user)
    assert client.get(URL).status_code == 403


def test_bad_month_is_explained(client, team_leader):
    client.force_login(team_leader)
    response = client.get(URL + "?month=2026-13&months=x&threshold=abc", follow=True)
    assert response.status_code == 200
    assert "2026-13" in response.content.decode()


def test_heat_map_rows_become_units_for_a_large_scope(hr_user, team_papers):
    from portal.organisation.models import Unit

    company = Unit.objects.get(code="CG")
    months = mastery.period(end=month_of(timezone.now() + timedelta(days=0)), months=1)
    result = mastery.team_mastery(unit=company, months=months)
    assert result.people > mastery.PEOPLE_ROWS_UP_TO or not result.rows_are_units


def test_cached_mastery_is_reused_until_its_evidence_changes(
    team_papers, django_assert_max_num_queries
):
    """The page's figures come from the cache while the unit's graded papers and the latest
    statistics run are unchanged (two small queries instead of the aggregation); a new graded
    paper, a re-mark, a voided paper or a new statistics run are seen at once."""
    from django.core.cache import cache

    from portal.organisation.models import Unit
    from quizzes.analysis import services
    from quizzes.models import AttemptQuestion, Question

    cache.clear()
    people, _ = team_papers
    unit = Unit.objects.get(code="CG-YYT-2")
    months = mastery.period(end=month_of(timezone.now()), months=2)

    def figures():
        result = mastery.cached_team_mastery(unit=unit, months=months, threshold=0.6)
        return result.answers, {s.label: s.share for s in result.knowledge_points}

    assert figures() == (6, {"十个不准": 0.25, "首问负责": 1.0})
    with django_assert_max_num_queries(2):
        assert figures() == (6, {"十个不准": 0.25, "首问负责": 1.0})
    # A new graded paper of B's: counted at once.
    questions = list(Question.objects.filter(code__startswith="analysis-").order_by("code"))
    paper = sit(exam=exam(title="第二场"), user=people[1].user, questions=questions, row=[0, 0, 0])
    assert figures()[0] == 9
    # A re-mark (the paper's points change): seen at once.
    AttemptQuestion.objects.filter(attempt=paper, position=1).update(awarded=1)
    Attempt.objects.filter(pk=paper.pk).update(score=1)
    assert figures()[1]["首问负责"] == pytest.approx(3 / 3)
    # Voided: no longer counted.
    Attempt.objects.filter(pk=paper.pk).update(status=Attempt.Status.VOIDED)
    assert figures() == (6, {"十个不准": 0.25, "首问负责": 1.0})
    # A new statistics run is new evidence too: the next read computes again.
    run = services.request_run(by=None)
    services.run_statistics(run_id=run.pk)
    with django_assert_max_num_queries(9) as captured:
        figures()
    assert len(captured) > 2
