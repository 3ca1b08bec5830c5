"""The draw's round trips to the database (each one is most of a draw's time on a busy server):
sections a caller prefetched are not read again, and a paper without case materials loads its
questions without joining the materials and cases. Same seed, same paper either way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quizzes.models import Blueprint, BlueprintSection, Material, QuestionType
from quizzes.papers.drawing import draw_paper
from tests.quizzes.factories import make_blueprint

pytestmark = pytest.mark.django_db


def paper(drawn) -> list[tuple]:
    return [(d.position, d.section.pk, d.question.pk, d.option_order, d.score) for d in drawn]


@pytest.fixture
def blueprint() -> Blueprint:
    return make_blueprint(
        ("单选", [QuestionType.SINGLE], 4, 2),
        ("判断", [QuestionType.TRUE_FALSE], 3, 1),
        question_usages=[],
        shuffle_options=True,
    )


def test_prefetched_sections_save_their_query_and_draw_the_same_paper(blueprint):
    fresh = Blueprint.objects.get(pk=blueprint.pk)
    with CaptureQueriesContext(connection) as plain:
        first = draw_paper(blueprint=fresh, seed=7)
    prefetched = Blueprint.objects.prefetch_related("sections").get(pk=blueprint.pk)
    with CaptureQueriesContext(connection) as fewer:
        second = draw_paper(blueprint=prefetched, seed=7)
    assert len(first) == 7 and paper(second) == paper(first)
    assert [d.section.title for d in first] == ["单选"] * 4 + ["判断"] * 3
    sections_table = BlueprintSection._meta.db_table
    assert any(sections_table in query["sql"] for query in plain.captured_queries)
    assert len(fewer) == len(plain) - 1


def test_a_paper_without_materials_loads_its_questions_without_joining_them(blueprint):
    with CaptureQueriesContext(connection) as captured:
        drawn = draw_paper(blueprint=blueprint, seed=3)
    assert len(drawn) == 7 and all(d.material is None for d in drawn)
    assert all(d.question.category.path for d in drawn)  # loaded with the questions
    assert not any(Material._meta.db_table in query["sql"] for query in captured.captured_queries)


@pytest.mark.postgres
def test_the_persons_history_is_read_by_the_attempt_index_not_a_join(blueprint, staff_user):
    """On exam day the papers' table grows by thousands of rows a minute and PostgreSQL's
    statistics lag behind; a join of papers to attempts then ran as a scan of every paper (50 ms
    a start on the load test's database). The person's attempt ids come first, as an array."""
    with CaptureQueriesContext(connection) as queries:
        draw_paper(blueprint=blueprint, seed=3, user=staff_user)
    facts = next(q["sql"] for q in queries.captured_queries if "UNION ALL" in q["sql"])
    assert "= ANY(ARRAY(SELECT id FROM" in facts
    assert 'JOIN "quizzes_attempt"' not in facts
