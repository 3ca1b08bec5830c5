"""No question answers another (issue 17, item 4): a true/false whose stem states the key of a choice
or fill-in question of the same knowledge point never shares a paper with it; exclusion groups
(editor-marked twins) never put two members in one paper; the blueprint check lists the pairs a
blueprint's pools hold and makes an exclusion group of two from one."""

import pytest

from quizzes.models import (
    Blueprint,
    BlueprintSection,
    ExclusionGroup,
    Question,
    QuestionCategory,
    QuestionType,
)
from quizzes.papers import drawing
from quizzes.papers.drawing import DrawError, DrawReport, draw_paper
from quizzes.papers.reveals import PairFacts, facts_of, key_texts, revealing_pairs
from tests.quizzes.factories import make_blueprint

pytestmark = pytest.mark.django_db

POINT = "95598电话接听（测试）"
SEEDS = range(60)


def facts(pk, qtype, stem, *, options=(), answer=None, point=POINT, material_id=None):
    return PairFacts(pk, qtype, point, stem, tuple(options), answer, material_id)


# The comparison itself -----------------------------------------------------------------------


def test_a_true_false_stating_the_key_in_other_numerals_is_a_pair():
    asked = facts(
        1, "single", "“95598”客户服务热线电话铃响需在几声内接听？",
        options=["五声", "两声", "四声", "三声"], answer=[3],
    )  # fmt: skip
    statement = facts(2, "truefalse", "正确的电话礼仪是：铃响3声内接听并使用礼貌用语。")
    (pair,) = revealing_pairs([asked, statement])
    assert (pair.asked_id, pair.statement_id, pair.key) == (1, 2, "3声")


def test_a_fill_in_key_counts_with_the_word_next_to_its_blank():
    asked = facts(1, "fill", "服务电话应在铃响____声内摘机通话。", answer=[["三", "3"]])
    assert "3声" in key_texts("fill", asked.stem, (), asked.answer)
    statement = facts(2, "truefalse", "铃响三声之内接听即可，无需道歉。")
    assert [(p.asked_id, p.statement_id) for p in revealing_pairs([asked, statement])] == [(1, 2)]
    # A short answer alone ("3") is not a key fact: a statement must restate it in context.
    elsewhere = facts(3, "truefalse", "客户代表应在3个工作日内回访。")
    assert revealing_pairs([asked, elsewhere]) == []


def test_no_pair_without_a_shared_knowledge_point_or_a_stated_key():
    asked = facts(1, "single", "铃响几声内接听？", options=["三声", "四声"], answer=[0])
    # Same knowledge point, the statement names a distractor, not the key.
    distractor = facts(2, "truefalse", "报修电话应在铃响四声之内接通。")
    # The key stated, but under another knowledge point.
    other_point = facts(3, "truefalse", "铃响三声内接听。", point="报修电话接听")
    # No knowledge point at all.
    unlabelled = facts(4, "truefalse", "铃响三声内接听。", point="")
    # Two sub-questions of one material are asked together by design.
    sub_a = facts(
        5, "single", "应在几声内接听？", options=["三声", "五声"], answer=[0], material_id=9
    )
    sub_b = facts(6, "truefalse", "应在三声内接听。", material_id=9)
    assert revealing_pairs([asked, distractor, other_point, unlabelled]) == []
    assert revealing_pairs([sub_a, sub_b]) == []
    # A short-answer question or two true/false questions never form a pair.
    short = facts(7, "short", "电话铃响几声内接听？", answer=["三声"])
    assert revealing_pairs([short, facts(8, "truefalse", "铃响三声内接听。")]) == []


# The draw -------------------------------------------------------------------------------------


@pytest.fixture
def category():
    return QuestionCategory.for_path("测试/互相提示")


def question(category, code, qtype, stem, *, options=(), answer, point=POINT):
    return Question.objects.create(
        code=code,
        type=qtype,
        stem=stem,
        options=list(options),
        answer=answer,
        category=category,
        knowledge_point=point,
    )


@pytest.fixture
def telephone(category):
    """The issue's Q5 and Q38, a harmless true/false of the same point, and a second choice
    question whose key no statement gives."""
    return {
        "asked": question(
            category, "t-rv-asked", "single", "“95598”客户服务热线电话铃响需在几声内接听？",
            options=["五声", "两声", "四声", "三声"], answer=[3],
        ),
        "reveals": question(
            category, "t-rv-reveals", "truefalse",
            "正确的电话礼仪是：铃响三声内接听并使用礼貌用语，超过三声接听应道歉。", answer=[True],
        ),
        "harmless": question(
            category, "t-rv-harmless", "truefalse",
            "应答时要先问候，然后报出单位名称。", answer=[True],
        ),
        "other": question(
            category, "t-rv-other", "single", "超过规定声数才接听电话的，应当怎么做？",
            options=["向客户道歉", "挂断后回拨", "先询问客户姓名"], answer=[0],
        ),
    }  # fmt: skip


def scoped_blueprint(category, *sections, **options) -> Blueprint:
    blueprint = make_blueprint(*sections, question_usages=[], **options)
    for section in blueprint.sections.all():
        section.categories.add(category)
        section.save()  # a ParentalManyToManyField: written on save
    return blueprint


def codes(drawn) -> set[str]:
    return {d.question.code for d in drawn}


def test_the_draw_never_puts_a_revealing_pair_in_one_paper(category, telephone):
    blueprint = scoped_blueprint(
        category,
        ("单选", [QuestionType.SINGLE], 1, 1),
        ("判断", [QuestionType.TRUE_FALSE], 1, 1),
    )
    papers = [codes(draw_paper(blueprint=blueprint, seed=seed)) for seed in SEEDS]
    assert all(not {"t-rv-asked", "t-rv-reveals"} <= paper for paper in papers)
    # Both still appear, each with a question it does not answer, and the draw stays
    # reproducible from its seed.
    assert {"t-rv-asked", "t-rv-harmless"} in papers and {"t-rv-other", "t-rv-reveals"} in papers
    assert codes(draw_paper(blueprint=blueprint, seed=5)) == papers[5]


def test_the_pair_is_refused_across_sections_and_named_in_the_report(category, telephone):
    # The true/false section comes first and draws two of three; whichever section meets the
    # pair second passes over its half and says why.
    question(category, "t-rv-harmless-2", "truefalse", "接听电话时应使用礼貌用语。", answer=[True])
    blueprint = scoped_blueprint(
        category,
        ("判断", [QuestionType.TRUE_FALSE], 2, 1),
        ("单选", [QuestionType.SINGLE], 1, 1),
    )
    reported = 0
    for seed in SEEDS:
        report = DrawReport()
        paper = codes(draw_paper(blueprint=blueprint, seed=seed, report=report))
        assert len(paper) == 3 and not {"t-rv-asked", "t-rv-reveals"} <= paper
        reported += any(a.reveals and a.with_question_id for a in report.avoided)
    assert reported  # the draws that met the pair say why they passed one half over


def test_a_pair_met_in_the_draw_is_resolved_without_drawing_again(category, telephone, monkeypatch):
    """One half of the pair is replaced from the spares the draw already met (one query for
    their rows), not by drawing the whole paper again; only a pool with no spare met (here a
    pool of two in a large bank, where the draw may meet just the one it takes) is drawn
    again."""
    blueprint = scoped_blueprint(
        category,
        ("单选", [QuestionType.SINGLE], 1, 1),
        ("判断", [QuestionType.TRUE_FALSE], 1, 1),
    )
    draws, replaced = [], []
    real_draw, real_replace = drawing._draw_sections, drawing._replace_revealing
    monkeypatch.setattr(
        drawing, "_draw_sections", lambda *a, **k: draws.append(1) or real_draw(*a, **k)
    )
    monkeypatch.setattr(
        drawing,
        "_replace_revealing",
        lambda *a, **k: replaced.append(result := real_replace(*a, **k)) or result,
    )
    redrawn = in_place = 0
    for seed in SEEDS:
        draws.clear()
        replaced.clear()
        paper = codes(draw_paper(blueprint=blueprint, seed=seed))
        assert len(paper) == 2 and not {"t-rv-asked", "t-rv-reveals"} <= paper
        if replaced == [True]:
            assert draws == [1], seed  # replaced in place: one draw of the sections
            in_place += 1
        redrawn += len(draws) > 1
    assert in_place >= 5 and redrawn < len(SEEDS) // 4, (in_place, redrawn)


def test_a_paper_that_needs_both_halves_of_a_pair_is_refused_with_the_shortfall(
    category, telephone
):
    blueprint = scoped_blueprint(category, ("全部", [], 4, 1))
    with pytest.raises(DrawError, match="还差 1 道"):
        draw_paper(blueprint=blueprint, seed=1)


def test_no_false_refusal_of_questions_of_one_point_that_do_not_answer_each_other(
    category, telephone
):
    telephone["reveals"].delete()
    blueprint = scoped_blueprint(category, ("全部", [], 3, 1))
    for seed in range(10):
        report = DrawReport()
        assert codes(draw_paper(blueprint=blueprint, seed=seed, report=report)) == {
            "t-rv-asked",
            "t-rv-harmless",
            "t-rv-other",
        }
        assert report.avoided == []


def test_the_seeded_pair_of_the_issue_never_shares_a_paper():
    """q-r-sx-001 ("…需在几声内接听？", key 三声) and q-r-sx-003 (a true/false "铃响三声内接听…"):
    the seeded bank's own pair, in a blueprint of every single choice and true/false question of
    their category, with the exclusion groups out of the way."""
    ExclusionGroup.objects.filter(questions__code__in=["q-r-sx-001", "q-r-sx-003"]).delete()
    asked, statement = (
        Question.objects.get(code="q-r-sx-001"),
        Question.objects.get(code="q-r-sx-003"),
    )
    assert asked.knowledge_point == statement.knowledge_point
    blueprint = scoped_blueprint(
        asked.category,
        ("单选", [QuestionType.SINGLE], 12, 1),
        ("判断", [QuestionType.TRUE_FALSE], 12, 1),
    )
    papers = [codes(draw_paper(blueprint=blueprint, seed=seed)) for seed in range(30)]
    assert not [paper for paper in papers if {"q-r-sx-001", "q-r-sx-003"} <= paper]
    # Neither is starved: each is drawn, just never with the other.
    assert [p for p in papers if "q-r-sx-001" in p] and [p for p in papers if "q-r-sx-003" in p]


# Exclusion groups ----------------------------------------------------------------------------


def test_a_paper_never_holds_two_members_of_an_exclusion_group():
    groups = list(ExclusionGroup.objects.prefetch_related("questions"))
    assert len(groups) >= 10
    blueprint = Blueprint.objects.get(name="供电服务综合知识考试（100分）")
    for seed in range(15):
        paper = {d.question.pk for d in draw_paper(blueprint=blueprint, seed=seed)}
        for group in groups:
            members = {q.pk for q in group.questions.all()}
            assert len(members & paper) <= 1, (seed, group.code)


def test_an_editor_marked_twin_pair_is_refused_like_a_revealing_pair(category, telephone):
    group = ExclusionGroup.objects.create(code="t-twins", name="同一事实")
    group.questions.set([telephone["asked"], telephone["other"]])
    blueprint = scoped_blueprint(category, ("单选", [QuestionType.SINGLE], 2, 1))
    with pytest.raises(DrawError, match="互斥组"):
        draw_paper(blueprint=blueprint, seed=3)


# The blueprint check ---------------------------------------------------------------------------

BLUEPRINTS = "/admin/quizzes/blueprints/"


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


def test_the_check_lists_the_pairs_and_makes_an_exclusion_group_of_two(
    editor_client, category, telephone
):
    blueprint = scoped_blueprint(
        category,
        ("单选", [QuestionType.SINGLE], 1, 1),
        ("判断", [QuestionType.TRUE_FALSE], 1, 1),
    )
    url = f"{BLUEPRINTS}check/{blueprint.pk}/"
    response = editor_client.get(url)
    assert response.status_code == 200
    listed = [(p.asked.code, p.statement.code, p.groups) for p in response.context["revealing"]]
    assert listed == [("t-rv-asked", "t-rv-reveals", ())]
    html = response.content.decode()
    assert (
        "互相提示答案的试题（1 对）" in html
        and "设为互斥组" in html
        and "t-rv-harmless" not in (html.split('id="revealing"')[1].split("</table>")[0])
    )

    response = editor_client.post(url, {"asked": "t-rv-asked", "statement": "t-rv-reveals"})
    assert response.status_code == 302
    group = ExclusionGroup.objects.get(questions=telephone["asked"])
    assert set(group.questions.values_list("code", flat=True)) == {"t-rv-asked", "t-rv-reveals"}
    (item,) = editor_client.get(url).context["revealing"]
    assert item.groups == (group.name,)


def test_the_check_refuses_a_group_of_unknown_codes_and_writes_nothing(
    editor_client, category, telephone
):
    blueprint = scoped_blueprint(category, ("单选", [QuestionType.SINGLE], 1, 1))
    before = ExclusionGroup.objects.count()
    response = editor_client.post(
        f"{BLUEPRINTS}check/{blueprint.pk}/",
        {"asked": "t-rv-asked", "statement": "no-such-code"},
        follow=True,
    )
    assert "没有这些编码的试题：no-such-code" in response.content.decode()
    assert ExclusionGroup.objects.count() == before


def test_only_an_editor_who_may_add_groups_can_make_one(client, team_leader, category, telephone):
    blueprint = scoped_blueprint(category, ("单选", [QuestionType.SINGLE], 1, 1))
    client.force_login(team_leader)
    response = client.post(
        f"{BLUEPRINTS}check/{blueprint.pk}/", {"asked": "t-rv-asked", "statement": "t-rv-reveals"}
    )
    assert response.status_code in (302, 403)
    assert not ExclusionGroup.objects.filter(questions=telephone["asked"]).exists()


def test_the_check_lists_a_blueprint_of_case_materials_too():
    blueprint = Blueprint.objects.get(name="供电服务综合知识考试（100分）")
    assert BlueprintSection.objects.filter(blueprint=blueprint, kind="materials").exists()
    from quizzes.papers.reveal_check import pairs_in_blueprint

    check = pairs_in_blueprint(blueprint)
    listed = {(p.asked.code, p.statement.code) for p in check.pairs}
    assert check.checked and ("q-r-sx-001", "q-r-sx-003") in listed
    # Too large a pool is counted, not compared pair by pair.
    big = pairs_in_blueprint(blueprint, limit=10)
    assert not big.checked and big.pairs == [] and big.questions == check.questions > 10


def test_every_revealing_pair_of_the_seeded_bank_is_marked_as_an_exclusion_group():
    """The editors' groups (fixtures/questions/exclusion_groups.yaml) hold every pair the check
    finds in the seeded bank, so the bank says so itself, not only the draw."""
    questions = Question.objects.filter(status="active").prefetch_related("exclusion_groups")
    by_pk = {q.pk: q for q in questions}
    pairs = revealing_pairs(facts_of(q) for q in by_pk.values())
    assert len(pairs) > 20
    unmarked = [
        (by_pk[p.asked_id].code, by_pk[p.statement_id].code)
        for p in pairs
        if not {g.pk for g in by_pk[p.asked_id].exclusion_groups.all()}
        & {g.pk for g in by_pk[p.statement_id].exclusion_groups.all()}
    ]
    assert unmarked == []
