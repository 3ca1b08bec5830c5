"""A paper's questions written by COPY on PostgreSQL (quizzes.papers.bulk_rows, issue 21): the
same rows as bulk_create writes, every column, a case-analysis sub-question pointing at its
material's row; one statement, counted like any other; a unique clash is Django's IntegrityError."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes.models import (
    AttemptMaterial,
    AttemptQuestion,
    BlueprintSection,
    QuestionType,
    SectionKind,
)
from quizzes.papers import services
from quizzes.papers.bulk_rows import insert_rows
from quizzes.papers.drawing import draw_paper, snapshot_paper
from tests.quizzes.factories import make_blueprint, make_exam, single_choice_exam

pytestmark = pytest.mark.django_db

COMPARED = [
    field.attname
    for field in AttemptQuestion._meta.concrete_fields
    if field.attname not in ("id", "attempt_id", "material_id")
]


def case_paper_exam():
    """Two materials (their sub-questions) and five single-choice questions of the seed bank."""
    blueprint = make_blueprint(
        ("单选题", [QuestionType.SINGLE], 5, 2), question_usages=[], shuffle_options=True
    )
    BlueprintSection.objects.create(
        blueprint=blueprint,
        title="案例分析题",
        kind=SectionKind.MATERIALS,
        question_count=2,
        score_per_question=Decimal("15"),
        sort_order=5,
    )
    return make_exam(blueprint)


def rows(attempt):
    return [
        (
            *(getattr(item, name) for name in COMPARED),
            item.material.text if item.material_id else None,
        )
        for item in AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("material")
        .order_by("position")
    ]


def test_copied_rows_equal_what_bulk_create_writes(staff_user, team_leader):
    exam = case_paper_exam()
    now = timezone.now()
    copied = services.start_attempt(exam=exam, user=staff_user, now=now)
    drawn = draw_paper(blueprint=exam.blueprint, seed=copied.random_seed, user=None)
    # The same paper again, for another person, through Django's bulk_create.
    other = copied.__class__.objects.create(
        exam=exam,
        user=team_leader,
        number=1,
        random_seed=copied.random_seed,
        rules=copied.rules,
        started_at=now,
        deadline_at=copied.deadline_at,
        max_score=copied.max_score,
        question_count=copied.question_count,
    )
    materials, items = snapshot_paper(drawn, other)
    AttemptMaterial.objects.bulk_create(materials)
    AttemptQuestion.objects.bulk_create(items)

    written = rows(copied)
    assert written == rows(other)
    assert len(written) == copied.question_count > 5
    with_material = [row for row in written if row[-1]]
    assert with_material, "the case-analysis sub-questions point at their material's row"
    assert any(row[COMPARED.index("options")] for row in written)
    assert all(row[COMPARED.index("response")] is None for row in written)


def test_the_copy_is_one_counted_statement_and_refuses_a_duplicate(staff_user):
    exam = single_choice_exam(3)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    again = [
        AttemptQuestion(
            attempt=attempt,
            position=item.position,
            section_title=item.section_title,
            type=item.type,
            stem=item.stem,
            options=item.options,
            answer_key=item.answer_key,
            max_score=item.max_score,
        )
        for item in attempt.questions.all()
    ]
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(IntegrityError),
        transaction.atomic(),
    ):
        insert_rows(AttemptQuestion, again)
    statements = [
        query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]
    ]
    assert len(statements) == 1
    if connection.vendor == "postgresql":
        assert statements[0].startswith("COPY ")
    assert attempt.questions.count() == 3


def test_a_row_pointing_at_an_unsaved_material_is_refused(staff_user):
    exam = single_choice_exam(1)
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    unsaved = AttemptMaterial(attempt=attempt, position=1, section_title="案例", text="材料")
    item = attempt.questions.get()
    item.pk = None
    item.position = 2
    item.material = unsaved
    with pytest.raises(ValueError), transaction.atomic():
        insert_rows(AttemptQuestion, [item])
    assert attempt.questions.count() == 1


def test_a_case_papers_snapshot_reads_its_materials_rule_links_in_one_query(
    staff_user, django_assert_num_queries
):
    exam = case_paper_exam()
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    drawn = draw_paper(blueprint=exam.blueprint, seed=attempt.random_seed, user=None)
    assert len({d.material.pk for d in drawn if d.material is not None}) == 2
    with django_assert_num_queries(1):
        materials, items = snapshot_paper(drawn, attempt)
    assert len(materials) == 2 and all(m.links for m in materials)
