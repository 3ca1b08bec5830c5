"""The benchmarks' load data (generate_load_data) at small sizes, and the query bounds of the hot
paths the benchmarks time: drawing 100 questions from 10 sections, submitting and grading them."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from wagtail.search.backends import get_search_backend

from assessment.models import AssessmentMonth, AssessmentRecord, AuditEntry
from portal.organisation.models import StaffProfile
from portal.thesaurus.selectors import current_thesaurus
from quizzes.bank.answers import validate_answer_key
from quizzes.models import (
    AnswerRecord,
    Attempt,
    AttemptQuestion,
    Blueprint,
    Exam,
    Question,
    QuestionCategory,
    QuestionType,
    SectionKind,
)
from quizzes.papers import services
from quizzes.papers.drawing import draw_paper
from tools.loadtesting import loadgen

pytestmark = pytest.mark.django_db

QUESTIONS, STAFF, MONTHS = 1200, 120, 3


def generate(**sizes) -> str:
    out = io.StringIO()
    options = {"questions": QUESTIONS, "staff": STAFF, "months": MONTHS, "end_month": "2026-06"}
    options.update(sizes)
    call_command("generate_load_data", stdout=out, **options)
    return out.getvalue()


def load_questions():
    return Question.objects.filter(code__startswith=loadgen.QUESTION_PREFIX)


def test_generates_the_sizes_asked_for_with_valid_questions(demo_org):
    generate()
    questions = list(load_questions())
    assert len(questions) == QUESTIONS
    for question in questions:
        assert (
            validate_answer_key(question.type, question.options, question.answer, question.stem)
            == []
        ), question.code
    assert {q.type for q in questions} == set(QuestionType.values)
    # Every category holds every type, so any section of the blueprint can be drawn.
    leaves = QuestionCategory.objects.filter(path__startswith=loadgen.CATEGORY_ROOT + "/")
    assert leaves.filter(children=None).count() == 100

    profiles = StaffProfile.objects.filter(employee_number__startswith=loadgen.UNIT_PREFIX)
    assert profiles.count() == STAFF
    leaders = profiles.filter(position="leader")
    assert leaders.count() == STAFF // loadgen.TEAM_SIZE + 1  # 50 + 50 + 20: three teams
    assert all(leader.supervised_units.filter(pk=leader.unit_id).exists() for leader in leaders)
    person = get_user_model().objects.get(username=loadgen.username(7))
    assert person.check_password(loadgen.PASSWORD) and person.groups.filter(name="员工").exists()

    records = AssessmentRecord.objects.filter(profile__in=profiles)
    assert records.count() == STAFF * MONTHS
    assert not records.filter(composite=None).exists()
    assert set(records.values_list("month", flat=True)) == {
        date(2026, month, 1) for month in (4, 5, 6)
    }
    assert AuditEntry.objects.filter(record__in=records).count() == records.count()
    states = dict(
        AssessmentMonth.objects.filter(unit__code__startswith=loadgen.UNIT_PREFIX)
        .values_list("month__month", "status")
        .distinct()
    )
    assert states == {4: "locked", 5: "submitted"}  # June stays open

    blueprint = Blueprint.objects.get(name=loadgen.BLUEPRINT_NAME)
    sections = list(blueprint.sections.order_by("sort_order"))
    assert len(sections) == 11 and blueprint.total_score == Decimal(120)
    # The case-analysis section (issue 14): whole seeded materials, about 25–30 % of the score.
    case = sections[-1]
    assert case.kind == SectionKind.MATERIALS
    share = case.question_count * case.score_per_question / blueprint.total_score
    assert Decimal("0.25") <= share <= Decimal("0.30")
    # bulk_create sends no signals: the generator indexes the questions itself.
    in_load_bank = Question.objects.filter(
        category_id__in=list(leaves.values_list("pk", flat=True))
    )
    found = get_search_backend().search("停电", in_load_bank, operator="and")
    assert found.count() > 0


def test_running_again_creates_nothing(demo_org):
    generate(questions=300, staff=60, months=1)
    counts = (
        load_questions().count(),
        StaffProfile.objects.count(),
        AssessmentRecord.objects.count(),
        AuditEntry.objects.count(),
        Blueprint.objects.count(),
        Exam.objects.count(),
    )
    output = generate(questions=300, staff=60, months=1)
    assert "压测数据已存在，未新建" in output
    assert counts == (
        load_questions().count(),
        StaffProfile.objects.count(),
        AssessmentRecord.objects.count(),
        AuditEntry.objects.count(),
        Blueprint.objects.count(),
        Exam.objects.count(),
    )


def test_same_seed_gives_the_same_questions():
    first = loadgen.question_fields(4321, seed=5)
    assert first == loadgen.question_fields(4321, seed=5)
    assert first != loadgen.question_fields(4321, seed=6)


def test_bad_sizes_are_refused_in_chinese(demo_org):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不能为负数"):
        generate(questions=-1)
    with pytest.raises(CommandError, match="格式不正确"):
        generate(end_month="2026/06")
    assert not load_questions().exists()


# Query bounds of the benchmarked paths --------------------------------------------------------


def test_drawing_100_from_10_sections_and_two_materials_uses_at_most_10_queries(
    demo_org, django_assert_max_num_queries
):
    generate(questions=3000, staff=50, months=0)
    blueprint = Blueprint.objects.get(name=loadgen.BLUEPRINT_NAME)
    user = get_user_model().objects.get(username=loadgen.username(3))
    met = list(load_questions().order_by("pk")[::3])
    AnswerRecord.objects.bulk_create(
        AnswerRecord(user=user, question=q, origin="practice", is_correct=True) for q in met
    )
    with django_assert_max_num_queries(10):
        drawn = draw_paper(blueprint=blueprint, seed=2026, user=user)
    assert len({d.question.pk for d in drawn}) == len(drawn)
    # Two whole seeded materials in the case section, 100 questions in the ten others.
    in_materials = [d for d in drawn if d.material is not None]
    assert len({d.material.pk for d in in_materials}) == 2
    assert len(drawn) - len(in_materials) == 100
    # Enough unmet questions in every section: none of the met ones is drawn.
    assert not {d.question.pk for d in drawn} & {q.pk for q in met}
    for section in blueprint.sections.exclude(kind=SectionKind.MATERIALS):
        picked = [d.question for d in drawn if d.section.pk == section.pk]
        top = section.categories.get()
        assert len(picked) == 10
        assert all(q.category.path.startswith(top.path + "/") for q in picked)
        assert all(not section.types or q.type in section.types for q in picked)
    again = draw_paper(blueprint=blueprint, seed=2026, user=user)
    assert [d.question.pk for d in again] == [d.question.pk for d in drawn]


def test_submitting_and_grading_the_load_paper_uses_at_most_10_queries(
    demo_org, django_assert_max_num_queries
):
    generate(questions=3000, staff=50, months=0)
    exam = Exam.objects.get(title=loadgen.MOCK_EXAM_TITLE)
    user = get_user_model().objects.get(username=loadgen.username(4))
    attempt = services.start_attempt(exam=exam, user=user, now=timezone.now())
    items = list(AttemptQuestion.objects.filter(attempt=attempt))
    assert len([item for item in items if item.material_id is None]) == 100
    assert any(item.material_id for item in items)  # and the case section's sub-questions
    for item in items:
        if item.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
            item.response = item.answer_key[0]
    AttemptQuestion.objects.bulk_update(items, ["response"])
    current_thesaurus()  # built once per process and kept, as on a running server
    with django_assert_max_num_queries(10):
        services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.PENDING_REVIEW  # short answers wait for a marker
    # Every given answer right: at least their points (short answers wait for a marker).
    assert attempt.score >= sum(item.max_score for item in items if item.response is not None)
    assert AnswerRecord.objects.filter(user=user, origin="exam").count() == sum(
        1 for item in items if item.type != QuestionType.SHORT
    )


def test_export_rows_of_the_load_data_follow_the_viewer(demo_org, hr_user):
    """The export's rows (plain tuples, one definition for the page, CSV and XLSX) respect the
    viewer's scope."""
    from assessment import selectors

    generate(questions=0, staff=60, months=1)
    month = date(2026, 6, 1)
    team_leader = get_user_model().objects.get(username=loadgen.username(51))
    sizes = []
    for viewer in (None, hr_user, team_leader):
        rows = list(selectors.export_rows(month=month, unit=None, viewer=viewer))
        assert all(len(row) == len(selectors.EXPORT_HEADER) for row in rows)
        sizes.append(len(rows))
    assert sizes == [60, 60, 10]  # the second team's leader sees only that team
