"""The load data's graded papers (tools/loadtesting/graded.py) at a small size: every load person
one graded paper of 25 answers whose scores add up, made once, and statistics that find what the
answer model puts there."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from quizzes.analysis import itemstats
from quizzes.models import Attempt, AttemptQuestion
from tools.loadtesting import graded

pytestmark = pytest.mark.django_db
STAFF = 120


def generate():
    call_command(
        "generate_load_data",
        questions=40,
        staff=STAFF,
        months=1,
        end_month="2026-06",
        stdout=io.StringIO(),
    )


def test_graded_papers_for_every_load_person(demo_org):
    generate()
    attempts = Attempt.objects.filter(exam__title=graded.ANALYSIS_EXAM_TITLE)
    assert attempts.count() == STAFF
    assert set(attempts.values_list("status", flat=True)) == {"graded"}
    answers = AttemptQuestion.objects.filter(attempt__in=attempts)
    assert answers.count() == STAFF * graded.PAPER
    for attempt in attempts[:10]:
        total = attempt.questions.aggregate(total=Sum("awarded"))["total"]
        assert attempt.score == total and attempt.max_score == graded.PAPER
    generate()  # again: nothing more
    assert Attempt.objects.filter(exam__title=graded.ANALYSIS_EXAM_TITLE).count() == STAFF

    exam = attempts.first().exam
    statistics = itemstats.compute(exam_id=exam.pk)
    assert statistics.answers == STAFF * graded.PAPER
    enough = [item for item in statistics.items if item.attempts >= itemstats.MIN_ATTEMPTS]
    assert enough and all(0 <= item.facility <= 1 for item in enough)
    assert any("dead_distractor" in item.flags for item in enough)
    assert any(item.discrimination and item.discrimination > 0.2 for item in enough)
