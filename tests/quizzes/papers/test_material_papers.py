"""Case analysis in exams (issue 14): a blueprint section draws whole materials (by category, case
kind, difficulty; reproducible, least seen first, shortfall reported, the section worth the sum of
its sub-questions); the paper snapshots the material; autosave, grading and marking work per
sub-question; the review shows the material, each sub-question and the links, and only when the
review policy allows; the demo monthly blueprints hold a case section of 25–30 % of the score."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum
from django.utils import timezone

from portal.thesaurus.keypoints import example_phrase
from quizzes.models import (
    AnswerRecord,
    Attempt,
    AttemptMaterial,
    Blueprint,
    BlueprintSection,
    Material,
    Question,
    QuestionCategory,
    QuestionType,
    SectionKind,
)
from quizzes.papers import services
from quizzes.papers.drawing import DrawError, draw_paper
from quizzes.papers.marking import pending_short_answers
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db

ACTIVE = Question.Status.ACTIVE


def material_blueprint(count, score="15", *, category=None, kinds=(), difficulties=(), **options):
    """A blueprint of one case-analysis section drawing `count` materials worth `score` each."""
    blueprint = make_blueprint(question_usages=[], **options)
    section = BlueprintSection.objects.create(
        blueprint=blueprint,
        title="案例分析题",
        kind=SectionKind.MATERIALS,
        question_count=count,
        score_per_question=Decimal(score),
        case_kinds=list(kinds),
        difficulties=list(difficulties),
    )
    if category is not None:
        section.categories.add(QuestionCategory.objects.get(path=category))
        section.save()
    return blueprint


def active_materials():
    return Material.objects.filter(status=ACTIVE).annotate(
        total=Sum("subquestions__default_score", filter=Q(subquestions__status=ACTIVE)),
        subs=Count("subquestions", filter=Q(subquestions__status=ACTIVE)),
    )


def materials_of(drawn) -> list[Material]:
    return list({d.material.pk: d.material for d in drawn if d.material is not None}.values())


def right_response(item):
    key = item.answer_key
    return {
        "single": lambda: key[0],
        "multiple": lambda: key,
        "truefalse": lambda: key[0],
        "fill": lambda: [alternatives[0] for alternatives in key],
        "short": lambda: "；".join(example_phrase(point) for point in key),
    }[item.type]()


# Drawing whole materials ------------------------------------------------------------------------


def test_a_section_draws_whole_materials_and_is_worth_their_sub_questions():
    drawn = draw_paper(blueprint=material_blueprint(3), seed=11)
    materials = materials_of(drawn)
    assert len(materials) == 3
    for material in materials:
        subs = list(material.subquestions.filter(status=ACTIVE).order_by("material_order"))
        in_paper = [d for d in drawn if d.material is not None and d.material.pk == material.pk]
        # Every active sub-question, together and in order, each at its own score.
        assert [d.question.pk for d in in_paper] == [q.pk for q in subs] and len(subs) >= 4
        assert [d.score for d in in_paper] == [q.default_score for q in subs]
        positions = [d.position for d in in_paper]
        assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert sum(d.score for d in drawn) == Decimal(45)
    # Never two materials of one case (a variant and its original answer one another).
    cases = [m.case_id for m in materials]
    assert len(cases) == len(set(cases))


def test_materials_are_drawn_by_category_case_kind_and_difficulty():
    for seed in range(5):
        by_category = materials_of(
            draw_paper(blueprint=material_blueprint(3, category="抄表收费"), seed=seed)
        )
        assert {m.category.path for m in by_category} == {"抄表收费"}
        good = materials_of(draw_paper(blueprint=material_blueprint(2, kinds=["good"]), seed=seed))
        assert len(good) == 2 and {m.case.kind for m in good} == {"good"}
        hard = materials_of(
            draw_paper(blueprint=material_blueprint(2, difficulties=[3]), seed=seed)
        )
        assert len(hard) == 2 and {m.difficulty for m in hard} == {3}


def test_the_material_draw_is_reproducible_from_the_seed():
    blueprint = material_blueprint(4, shuffle_options=True)
    signature = [
        [(d.question.pk, tuple(d.option_order)) for d in draw_paper(blueprint=blueprint, seed=s)]
        for s in (5, 5, 6)
    ]
    assert signature[0] == signature[1] and signature[0] != signature[2]


def test_the_materials_a_person_met_least_come_first(staff_user):
    good = list(active_materials().filter(case__kind="good", subs__gt=0))
    assert len(good) >= 3
    met = good[:-1]
    AnswerRecord.objects.bulk_create(
        AnswerRecord(user=staff_user, question=q, origin="practice", is_correct=True)
        for material in met
        for q in material.subquestions.all()
    )
    blueprint = material_blueprint(1, kinds=["good"])
    for seed in range(8):
        (drawn,) = materials_of(draw_paper(blueprint=blueprint, seed=seed, user=staff_user))
        assert drawn.pk == good[-1].pk


def test_a_short_pool_of_materials_is_named_with_the_shortfall():
    good = active_materials().filter(case__kind="good").count()
    blueprint = material_blueprint(good + 2, kinds=["good"])
    with pytest.raises(DrawError) as error:
        draw_paper(blueprint=blueprint, seed=1)
    message = str(error.value)
    assert f"大题“案例分析题”案例分析材料不足：需要 {good + 2} 份" in message
    assert "还差 2 份" in message
    # A score per material that no material adds up to: none is drawn, and the message says why.
    with pytest.raises(DrawError, match="只抽小题分值合计为 20 分的材料"):
        draw_paper(blueprint=material_blueprint(1, "20"), seed=1)


# The paper: snapshot, autosave, grading, marking ------------------------------------------------


@pytest.fixture
def case_exam():
    blueprint = material_blueprint(2, review_visibility="full", answers_shown="submit")
    return make_exam(blueprint, closes_at=timezone.now() + timedelta(days=1))


def started(exam, user) -> Attempt:
    return services.start_attempt(exam=exam, user=user, now=timezone.now())


def test_the_paper_snapshots_the_material_and_editing_it_later_changes_nothing(
    case_exam, staff_user
):
    attempt = started(case_exam, staff_user)
    rows = list(attempt.materials.order_by("position"))
    assert len(rows) == 2 and attempt.max_score == Decimal(30)
    first = rows[0]
    material = first.material
    assert first.text == material.text and first.case_id == material.case_id
    assert {"kind": "案例", "title": material.case.title}.items() <= first.links[0].items()
    items = list(attempt.questions.filter(material=first).order_by("position"))
    sub = items[0]
    before = (sub.stem, list(sub.options), sub.answer_key, sub.max_score)

    original = material.text
    material.text = original + "（编辑后来补充的一句）"
    material.save()
    question = sub.question
    question.stem = "改过的题干"
    question.default_score = Decimal("9")
    question.save()

    first.refresh_from_db()
    sub.refresh_from_db()
    assert first.text == original
    assert (sub.stem, list(sub.options), sub.answer_key, sub.max_score) == before


def test_the_paper_page_shows_each_material_beside_its_sub_questions(client, case_exam, staff_user):
    attempt = started(case_exam, staff_user)
    client.force_login(staff_user)
    html = client.get(attempt.get_absolute_url()).content.decode()
    blocks = html.split('<div class="material-block">')[1:]
    rows = list(attempt.materials.order_by("position"))
    assert len(blocks) == len(rows) == 2
    for block, row in zip(blocks, rows, strict=True):
        text, questions = block.split('<div class="material-questions">', 1)
        assert row.text[:30] in text
        for item in attempt.questions.filter(material=row):
            assert f'id="q{item.position}"' in questions.split('<div class="material-block">')[0]
    # No key, explanation or case link on the paper.
    assert rows[0].links[0]["url"] not in html
    # An explanation may quote a rule that is also an option, or repeat its stem or material: look
    # for a stretch of it that no stem, option or material of the paper holds.
    shown = " ".join(
        [str(text) for item in attempt.questions.all() for text in [item.stem, *item.options]]
        + [row.text for row in rows]
    )
    for item in attempt.questions.all():
        text = item.explanation or ""
        windows = [text[start : start + 20] for start in range(0, max(len(text) - 19, 0), 5)]
        own = [window for window in windows if window not in shown]
        assert not any(window in html for window in own), item.explanation


def test_autosave_grading_and_marking_work_per_sub_question(case_exam, staff_user, team_leader):
    attempt = started(case_exam, staff_user)
    items = list(attempt.questions.order_by("position"))
    assert all(item.material_id for item in items)
    for item in items:
        services.save_answer(
            attempt_id=attempt.pk,
            position=item.position,
            raw_response=right_response(item),
            now=timezone.now(),
        )
    saved = {i.position: i.saved_at for i in attempt.questions.all()}
    assert all(saved.values())  # each sub-question saved on its own

    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    items = list(attempt.questions.order_by("position"))
    objective = [i for i in items if i.type != QuestionType.SHORT]
    short = [i for i in items if i.type == QuestionType.SHORT]
    assert short, "every seeded material has a short-answer part"
    assert all(i.is_correct and i.awarded == i.max_score for i in objective)
    # Short answers wait for a marker, in the marking queue of the person's team leader.
    assert attempt.status == Attempt.Status.PENDING_REVIEW
    assert all(i.needs_review for i in short)
    queue = set(pending_short_answers(user=team_leader).values_list("pk", flat=True))
    assert {i.pk for i in short} <= queue
    for item in short:
        attempt = services.mark_short_answer(
            item_id=item.pk,
            reviewer=team_leader,
            decisions=[(True, "")] * len(item.marking),
            now=timezone.now(),
        )
    assert attempt.status == Attempt.Status.GRADED and attempt.score == Decimal(30)


def test_a_wrong_sub_question_costs_only_its_own_score(case_exam, staff_user):
    attempt = started(case_exam, staff_user)
    item = attempt.questions.filter(type__in=[QuestionType.SINGLE, QuestionType.MULTIPLE]).first()
    wrong_option = next(i for i in range(len(item.options)) if i not in item.answer_key)
    for other in attempt.questions.exclude(type=QuestionType.SHORT):
        response = right_response(other)
        if other.pk == item.pk:
            response = wrong_option if item.type == QuestionType.SINGLE else [wrong_option]
        services.save_answer(
            attempt_id=attempt.pk,
            position=other.position,
            raw_response=response,
            now=timezone.now(),
        )
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    item.refresh_from_db()
    assert item.is_correct is False and item.awarded == 0
    objective = attempt.questions.exclude(type=QuestionType.SHORT)
    assert attempt.score == sum(i.max_score for i in objective if i.pk != item.pk)


# Review ---------------------------------------------------------------------------------------


def review_html(client, user, attempt) -> str:
    client.force_login(user)
    response = client.get(f"/attempts/{attempt.public_id}/result/")
    assert response.status_code == 200
    return response.content.decode()


def test_review_shows_the_material_each_result_explanation_and_links(client, case_exam, staff_user):
    attempt = started(case_exam, staff_user)
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    html = review_html(client, staff_user, attempt)
    for row in AttemptMaterial.objects.filter(attempt=attempt).select_related("case"):
        assert row.text[:30] in html
        assert f'href="{row.links[0]["url"]}"' in html and row.case.slug in row.links[0]["url"]
        for link in row.links[1:]:
            assert f'href="{link["url"]}"' in html
    for item in attempt.questions.all():
        assert f'id="r{item.position}"' in html
        if item.explanation:
            assert item.explanation[:20] in html
    assert "正确答案：" in html and "✘ 错误" in html  # nothing was answered


def test_review_of_a_case_section_waits_for_the_gate(client, staff_user):
    blueprint = material_blueprint(1, answers_shown="close")
    exam = make_exam(blueprint, closes_at=timezone.now() + timedelta(days=1))
    attempt = started(exam, staff_user)
    attempt = services.submit_attempt(attempt_id=attempt.pk, now=timezone.now())
    row = attempt.materials.get()
    html = review_html(client, staff_user, attempt)
    assert "逐题回顾" not in html and "正确答案：" not in html
    assert row.links[0]["url"] not in html
    for item in attempt.questions.all():
        if item.explanation:
            assert item.explanation[:20] not in html
    exam.closes_at = timezone.now() - timedelta(seconds=1)
    exam.save()
    html = review_html(client, staff_user, attempt)
    assert "逐题回顾" in html and row.links[0]["url"] in html and row.text[:30] in html


# The demo monthly blueprints --------------------------------------------------------------------


def case_share(blueprint: Blueprint, seed: int) -> tuple[Decimal, Decimal]:
    drawn = draw_paper(blueprint=blueprint, seed=seed)
    case = sum((d.score for d in drawn if d.material is not None), Decimal(0))
    return case, sum((d.score for d in drawn), Decimal(0))


def test_the_demo_blueprints_draw_a_case_section_of_a_quarter_to_three_tenths():
    from portal.home.demo_history import _blueprint as demo_monthly_blueprint

    for blueprint in [
        Blueprint.objects.get(name="供电服务综合知识考试（100分）"),
        demo_monthly_blueprint(),
    ]:
        assert blueprint.sections.filter(kind=SectionKind.MATERIALS).exists(), blueprint.name
        for seed in range(3):
            case, total = case_share(blueprint, seed)
            assert total == Decimal(100)
            assert Decimal("0.25") <= case / total <= Decimal("0.30"), (blueprint.name, case)
