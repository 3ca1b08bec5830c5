"""Question statistics from graded papers: the hand-computed matrix through the database, too few
answers, voided papers, versions of an edited question, the flags, and `manage.py item_stats`."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from quizzes.analysis import itemstats
from quizzes.analysis.models import StatsRun
from quizzes.models import Attempt

from .papers import exam, make_questions, sit
from .test_formulas import MATRIX

pytestmark = pytest.mark.django_db


@pytest.fixture
def thirty_papers(staff_user):
    """The six papers of test_formulas five times over (30 papers), plus a voided paper that
    would make every item look perfect if it counted."""
    questions = make_questions(4)
    the_exam = exam()
    number = 0
    for _ in range(5):
        for row in MATRIX:
            number += 1
            sit(exam=the_exam, user=staff_user, questions=questions, row=row, number=number)
    sit(
        exam=the_exam,
        user=staff_user,
        questions=questions,
        row=[1, 1, 1, 1],
        number=99,
        status=Attempt.Status.VOIDED,
    )
    return the_exam, questions


def by_code(statistics):
    return {item.code: item for item in statistics.items}


def test_figures_match_the_hand_computed_matrix(thirty_papers, django_assert_max_num_queries):
    the_exam, questions = thirty_papers
    with django_assert_max_num_queries(4):
        statistics = itemstats.compute(exam_id=the_exam.pk)
    assert statistics.attempts == 30  # the voided paper never counts
    assert statistics.answers == 120
    a = by_code(statistics)[questions[0].code]
    assert a.attempts == 30
    assert a.facility == pytest.approx(4 / 6, abs=1e-4)
    assert a.sd == pytest.approx(0.4714, abs=1e-4)
    # Repeating the papers leaves the correlations as worked out in test_formulas ...
    assert a.point_biserial == pytest.approx(0.5477, abs=1e-4)
    assert a.corrected_r == pytest.approx(0.2132, abs=1e-4)
    # ... but 27 % of 30 is 8 papers: top 5×P1 + 3×P2 (A right in all 8 → 1.0), bottom 5×P6 +
    # 3×P5 (A right in the 3 P5 papers → 3/8); D = 1 − 0.375.
    assert a.discrimination == pytest.approx(0.625, abs=1e-4)
    assert a.median_seconds == pytest.approx(60)
    # Choice frequencies: 甲 (the key) by 20 papers, 乙 (every wrong answer) by 10, 丙 丁 by none.
    shares = {row["text"]: (row["key"], row["chosen"]) for row in a.options}
    assert shares == {"甲": (True, 20), "乙": (False, 10), "丙": (False, 0), "丁": (False, 0)}
    assert "dead_distractor" in a.flags
    # D: P = 1/6 (难) stated 中
    d = by_code(statistics)[questions[3].code]
    assert d.facility == pytest.approx(1 / 6, abs=1e-4)
    assert d.measured_difficulty == 3
    assert "too_hard" in d.flags and "difficulty_mismatch" in d.flags


def test_too_few_answers_say_so_and_give_no_number(staff_user):
    questions = make_questions(2)
    the_exam = exam()
    for number in range(1, 4):
        sit(exam=the_exam, user=staff_user, questions=questions, row=[1, 0], number=number)
    item = by_code(itemstats.compute(exam_id=the_exam.pk))[questions[0].code]
    assert item.attempts == 3
    assert item.facility is None and item.discrimination is None and item.flags == []
    assert "不足 5 次" in item.note
    for number in range(4, 11):
        sit(exam=the_exam, user=staff_user, questions=questions, row=[1, 0], number=number)
    item = by_code(itemstats.compute(exam_id=the_exam.pk))[questions[0].code]
    assert item.facility == 1.0 and item.discrimination is None
    assert "不足 30 次" in item.note


def test_an_edited_question_is_analysed_per_version(staff_user):
    questions = make_questions(2)
    the_exam = exam()
    edited = {questions[0].pk: "分析测试题0（修改后）"}
    for number in range(1, 7):
        sit(exam=the_exam, user=staff_user, questions=questions, row=[1, 1], number=number)
    for number in range(7, 13):
        sit(
            exam=the_exam,
            user=staff_user,
            questions=questions,
            row=[0, 1],
            number=number,
            stems=edited,
        )
    rows = [
        i for i in itemstats.compute(exam_id=the_exam.pk).items if i.question_id == questions[0].pk
    ]
    assert [(r.version, r.versions, r.attempts, r.facility) for r in rows] == [
        (1, 2, 6, 1.0),
        (2, 2, 6, 0.0),
    ]
    assert rows[1].stem == "分析测试题0（修改后）"


def test_flags_on_a_question_the_strong_miss():
    """Negative discrimination, too easy and never-matched key points, from figures alone."""
    base = dict(
        question_id=1,
        code="x",
        version=1,
        versions=1,
        type="single",
        stem="",
        knowledge_point="",
        sd=0.1,
        point_biserial=None,
        corrected_r=None,
        median_seconds=None,
        options=[],
        key_points=[],
        flags=[],
    )
    wrong_key = itemstats.ItemFigures(
        **base,
        stated_difficulty=2,
        attempts=40,
        facility=0.5,
        discrimination=-0.3,
        measured_difficulty=2,
    )
    assert itemstats.flags_for(wrong_key) == ["negative_discrimination"]
    easy = itemstats.ItemFigures(
        **{**base, "key_points": [{"point": "首问负责", "hits": 0, "share": 0}]},
        stated_difficulty=1,
        attempts=40,
        facility=0.97,
        discrimination=0.05,
        measured_difficulty=1,
    )
    assert itemstats.flags_for(easy) == ["too_easy", "weak_discrimination", "unmatched_key_point"]
    few = itemstats.ItemFigures(
        **base,
        stated_difficulty=1,
        attempts=29,
        facility=0.99,
        discrimination=None,
        measured_difficulty=None,
    )
    assert itemstats.flags_for(few) == []


def test_item_stats_json_and_csv(thirty_papers, tmp_path):
    the_exam, questions = thirty_papers
    out = io.StringIO()
    call_command(
        "item_stats",
        "--format",
        "json",
        "--exam",
        str(the_exam.pk),
        stdout=out,
        stderr=io.StringIO(),
    )
    rows = json.loads(out.getvalue())
    assert {row["code"] for row in rows} == {q.code for q in questions}
    first = next(row for row in rows if row["code"] == questions[0].code)
    assert first["attempts"] == 30 and first["facility"] == pytest.approx(0.6667, abs=1e-4)
    assert first["discrimination"] == pytest.approx(0.625, abs=1e-4)
    assert StatsRun.objects.filter(exam=the_exam, status="done").exists()
    target = tmp_path / "stats.csv"
    call_command("item_stats", "--output", str(target), stdout=io.StringIO(), stderr=io.StringIO())
    lines = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0][:6] == ["编码", "版本", "版本数", "题型", "作答次数", "得分率"]
    assert any(line[0] == questions[0].code for line in lines[1:])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--since", "2026-13"], "不存在"),
        (["--exam", "999999"], "没有编号为 999999 的考试"),
        (["--output", "/nonexistent/folder/x.json"], "不存在"),
    ],
)
def test_item_stats_refuses_bad_arguments(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("item_stats", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    assert not StatsRun.objects.exists()


def test_item_stats_json_on_the_demo_history(demo_org):
    from datetime import date

    from portal.home.demo_history import load_demo_history

    load_demo_history(today=date(2026, 11, 23))
    out = io.StringIO()
    call_command(
        "item_stats", "--format", "json", "--since", "2026-08", stdout=out, stderr=io.StringIO()
    )
    rows = json.loads(out.getvalue())
    assert rows and {"code", "attempts", "facility", "discrimination"} <= set(rows[0])
    graded = Attempt.objects.filter(status="graded", exam__month__gte=date(2026, 8, 1))
    assert sum(row["attempts"] for row in rows) == sum(a.question_count for a in graded)
    for row in rows:
        assert row["facility"] is None or 0 <= row["facility"] <= 1
        if row["attempts"] < itemstats.MIN_ATTEMPTS:
            assert row["discrimination"] is None and row["note"]
        elif row["discrimination"] is not None:
            assert -1 <= row["discrimination"] <= 1


def test_key_point_hits_of_a_short_answer_with_weighted_points(staff_user):
    """A short answer's key points as stored ({point, weight} or plain text) are named by their
    text, so the marking's hits (accepted by a marker, or matched) count against them."""
    from decimal import Decimal

    from quizzes.models import AttemptQuestion

    question = make_questions(1, prefix="short")[0]
    the_exam = exam(title="简答题统计")
    key = [{"point": "首问负责", "weight": "2"}, "一次告知"]
    for number in range(1, 7):
        attempt = sit(exam=the_exam, user=staff_user, questions=[], row=[], number=number)
        matched = number % 2 == 0
        AttemptQuestion.objects.create(
            attempt=attempt,
            position=1,
            section_title="简答",
            question=question,
            type="short",
            stem="请说明首问负责制。",
            options=[],
            answer_key=key,
            max_score=Decimal(3),
            response="首问负责",
            awarded=Decimal(2 if matched else 0),
            marking=[
                {"point": "首问负责", "matched": matched, "accepted": None},
                {"point": "一次告知", "matched": True, "accepted": False},
            ],
        )
        Attempt.objects.filter(pk=attempt.pk).update(score=2 if matched else 0, max_score=3)
    item = by_code(itemstats.compute(exam_id=the_exam.pk))[question.code]
    assert item.key_points == [
        {"point": "首问负责", "hits": 3, "share": 0.5},
        {"point": "一次告知", "hits": 0, "share": 0.0},  # the marker did not accept it
    ]
    assert item.facility == pytest.approx(1 / 3, abs=1e-4)
