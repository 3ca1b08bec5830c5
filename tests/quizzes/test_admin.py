"""题库与考试 in the Wagtail admin: questions, categories, blueprints (with 试抽一份) and exams."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from wagtail.test.utils.form_data import querydict_from_html

from cases.models import QAItem, RuleItem, SourceDocument
from quizzes.models import (
    EXAM_USAGES,
    AnswerRecord,
    Blueprint,
    BlueprintSection,
    Exam,
    Question,
    QuestionCategory,
    QuestionType,
)
from quizzes.papers import services
from tests.quizzes.factories import make_blueprint, make_exam

pytestmark = pytest.mark.django_db

QUESTIONS = "/admin/quizzes/questions/"
CATEGORIES = "/admin/quizzes/categories/"
BLUEPRINTS = "/admin/quizzes/blueprints/"
EXAMS = "/admin/quizzes/exams/"


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


@pytest.fixture
def category():
    return QuestionCategory.for_path("测试题库")


@pytest.fixture
def source():
    return SourceDocument.objects.get(file_name="004_0c2efcfe3ea11507.txt")


def listed(response) -> list[Question]:
    assert response.status_code == 200
    return list(response.context["object_list"])


def question_data(category, **overrides) -> dict:
    data = {
        "code": "t-admin-1",
        "type": "single",
        "status": "active",
        "usage": "both",
        "category": category.pk,
        "difficulty": 2,
        "default_score": "1",
        "knowledge_point": "",
        "stem": "客户来电时，接听电话应在铃响几声之内？",
        "options": "两声\n三声\n四声\n五声",
        "answer": "B",
        "explanation": "",
        "source": "",
        "quote": "",
    }
    data.update(overrides)
    return data


# Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_user", "team_leader", "hall_head", "hr_user"])
def test_only_editors_reach_the_quiz_admin(client, request, who):
    client.force_login(request.getfixturevalue(who))
    blueprint = Blueprint.objects.first()
    question = Question.objects.first()
    for url in [
        QUESTIONS,
        f"{QUESTIONS}new/",
        f"{QUESTIONS}inspect/{question.pk}/",
        f"{QUESTIONS}edit/{question.pk}/",
        CATEGORIES,
        BLUEPRINTS,
        f"{BLUEPRINTS}check/{blueprint.pk}/",
        EXAMS,
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        # HR is in the admin (for 后台任务) but not in the bank: back to the admin home.
        if who == "hr_user":
            assert response.url == "/admin/", url
        else:
            assert response.url.startswith("/admin/login/"), url
    before = Question.objects.count()
    client.post(f"{QUESTIONS}new/", question_data(QuestionCategory.objects.first()))
    assert Question.objects.count() == before


def test_editor_sees_every_quiz_admin_page(editor_client):
    blueprint = Blueprint.objects.first()
    for url in [QUESTIONS, f"{QUESTIONS}new/", CATEGORIES, BLUEPRINTS, EXAMS, f"{EXAMS}new/"]:
        assert editor_client.get(url).status_code == 200, url
    menu = editor_client.get("/admin/").content.decode()  # the sidebar is JSON, \u-escaped
    assert json.dumps("题库与考试") in menu
    for url in [QUESTIONS, CATEGORIES, BLUEPRINTS, EXAMS]:
        assert f'"url": "{url}"' in menu
    assert f"{BLUEPRINTS}check/{blueprint.pk}/" in editor_client.get(BLUEPRINTS).content.decode()
    # 复制 starts a new question from an existing one, its answer already in letters.
    question = Question.objects.filter(type="multiple").first()
    copy = editor_client.get(f"{QUESTIONS}copy/{question.pk}/")
    letters = "".join("ABCDEFGH"[i] for i in question.answer)
    assert (
        querydict_from_html(copy.content.decode(), form_id="w-editor-form")["answer"].strip()
        == letters
    )


# Question list ---------------------------------------------------------------------------------


def test_question_list_filters_by_type_category_difficulty_status_and_source(
    editor_client, category, source
):
    child = QuestionCategory.for_path("测试题库/子类")
    made = {
        "hard-fill": Question.objects.create(
            code="t-f1",
            type="fill",
            stem="停电前____天通知",
            answer=[["7"]],
            category=category,
            difficulty=3,
            source=source,
        ),
        "child-tf": Question.objects.create(
            code="t-f2", type="truefalse", stem="子分类判断题", answer=[True], category=child
        ),
        "retired": Question.objects.create(
            code="t-f3",
            type="truefalse",
            stem="停用的判断题",
            answer=[False],
            category=category,
            status="retired",
        ),
    }
    in_category = listed(editor_client.get(QUESTIONS, {"category": category.pk}))
    assert {q.code for q in in_category} == {"t-f1", "t-f2", "t-f3"}  # subcategories included
    assert {q.code for q in listed(editor_client.get(QUESTIONS, {"category": child.pk}))} == {
        "t-f2"
    }
    fills = listed(editor_client.get(QUESTIONS, {"type": "fill", "category": category.pk}))
    assert [q.code for q in fills] == ["t-f1"]
    hard = listed(editor_client.get(QUESTIONS, {"difficulty": 3, "category": category.pk}))
    assert [q.code for q in hard] == ["t-f1"]
    retired = listed(editor_client.get(QUESTIONS, {"status": "retired", "category": category.pk}))
    assert [q.code for q in retired] == ["t-f3"]
    exam_only = listed(editor_client.get(QUESTIONS, {"usage": "exam", "category": category.pk}))
    assert exam_only == []
    from_source = listed(editor_client.get(QUESTIONS, {"source": source.pk, "type": "fill"}))
    assert made["hard-fill"] in from_source
    assert all(q.source_id == source.pk for q in from_source)
    assert all(q.type == "single" for q in listed(editor_client.get(QUESTIONS, {"type": "single"})))


def test_question_search_finds_chinese_text_inside_the_stem(editor_client, category):
    Question.objects.create(
        code="t-s1",
        type="truefalse",
        stem="客户来电投诉停电时应首先致歉",
        answer=[True],
        category=category,
    )
    found = listed(editor_client.get(QUESTIONS, {"q": "投诉停电"}))
    assert "t-s1" in [q.code for q in found]
    assert all("投诉停电" in q.stem or "投诉停电" in q.code for q in found)


def test_question_list_shows_draws_and_right_share_in_bounded_queries(
    editor_client, category, staff_user, hr_user, django_assert_max_num_queries
):
    question = Question.objects.create(
        code="t-u1", type="truefalse", stem="统计用判断题", answer=[True], category=category
    )
    blueprint = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 1, 1))
    section = blueprint.sections.get()
    section.categories.add(category)
    section.save()  # a ParentalManyToManyField is written on save
    exam = make_exam(blueprint)
    now = timezone.now()
    for user, response in [(staff_user, True), (hr_user, False)]:
        attempt = services.start_attempt(exam=exam, user=user, now=now)
        services.save_answer(attempt_id=attempt.pk, position=1, raw_response=response, now=now)
        services.submit_attempt(attempt_id=attempt.pk, now=now)
    AnswerRecord.objects.create(
        user=staff_user, question=question, origin=AnswerRecord.Origin.PRACTICE, is_correct=True
    )
    # Exam answers also leave an AnswerRecord (origin exam): they must not count twice.
    assert AnswerRecord.objects.filter(question=question).count() == 3

    with django_assert_max_num_queries(16):
        response = editor_client.get(QUESTIONS, {"category": category.pk})
    row = next(q for q in listed(response) if q.code == "t-u1")
    assert row.times_drawn == 2
    assert (row.answered, row.answered_right) == (3, 2)
    html = response.content.decode()
    assert "67%（2/3）" in html
    assert "抽中次数" in html and "答对率" in html

    # The same number of queries for a full page of 50 as for a handful.
    with django_assert_max_num_queries(16):
        assert len(listed(editor_client.get(QUESTIONS))) == 50
    by_draws = listed(editor_client.get(QUESTIONS, {"ordering": "-times_drawn"}))
    assert by_draws[0].code == "t-u1"


# Question preview ------------------------------------------------------------------------------


def test_preview_shows_the_question_with_its_key_explanation_links_and_quote(editor_client):
    question = (
        Question.objects.filter(type="multiple").exclude(quote="").exclude(cases=None).first()
    )
    rule = RuleItem.objects.first()
    qa = QAItem.objects.first()
    question.rules.add(rule)
    question.qa_items.add(qa)
    response = editor_client.get(f"{QUESTIONS}inspect/{question.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert question.stem in html
    for option in question.options:
        assert option in html
    assert html.count("✔ 正确答案") == len(question.answer)
    assert "".join("ABCDEFGH"[i] for i in question.answer) in html
    assert question.explanation[:20] in html
    assert rule.get_absolute_url() in html
    assert qa.get_absolute_url() in html
    assert question.cases.first().title in html
    assert question.quote[:20] in html
    assert question.source.title in html


def test_preview_of_a_fill_question_numbers_its_blanks(editor_client, category):
    question = Question.objects.create(
        code="t-p1",
        type="fill",
        stem="计划停电应提前____天公告，抢修人员城区____分钟到达",
        answer=[["7", "七"], ["45"]],
        category=category,
    )
    html = editor_client.get(f"{QUESTIONS}inspect/{question.pk}/").content.decode()
    assert "（1）" in html and "（2）" in html
    assert "7 | 七" in html and "45" in html


# Question create / edit ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "stored_options", "stored_answer"),
    [
        ({"type": "single", "answer": "b"}, ["两声", "三声", "四声", "五声"], [1]),
        (
            {
                "type": "multiple",
                "answer": "A、c d",
                "options": "A. 两声\nB. 三声\nC. 四声\nD. 五声",
            },
            ["两声", "三声", "四声", "五声"],
            [0, 2, 3],
        ),
        (
            # Full-width letters, as a Chinese input method types them, read as in spreadsheets.
            {"type": "multiple", "answer": "ＡＣ"},
            ["两声", "三声", "四声", "五声"],
            [0, 2],
        ),
        ({"type": "truefalse", "options": "", "answer": "错"}, [], [False]),
        ({"type": "truefalse", "options": "", "answer": "对"}, [], [True]),
        (
            {
                "type": "fill",
                "options": "",
                "stem": "计划停电应提前____天公告，城区抢修____分钟到达",
                "answer": "7 | 七\n\n45｜四十五",
            },
            [],
            [["7", "七"], ["45", "四十五"]],
        ),
        (
            {"type": "short", "options": "", "answer": "来有迎声\n 问有答声 \n\n走有送声"},
            [],
            ["来有迎声", "问有答声", "走有送声"],
        ),
    ],
)
def test_editor_creates_each_type_with_the_familiar_answer(
    editor_client, category, overrides, stored_options, stored_answer
):
    response = editor_client.post(f"{QUESTIONS}new/", question_data(category, **overrides))
    assert response.status_code == 302, response.content.decode()[-3000:]
    question = Question.objects.get(code="t-admin-1")
    assert question.options == stored_options
    assert question.answer == stored_answer
    assert question.type == overrides["type"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"type": "single", "answer": "AB"}, "单选题只能有一个正确答案。"),
        ({"type": "single", "answer": "E"}, "不是选项字母：本题有 4 个选项，只能填 A–D"),
        ({"type": "single", "options": "只有一个选项", "answer": "A"}, "选择题至少需要两个选项。"),
        ({"type": "single", "options": "三声\n三声", "answer": "A"}, "选项不能重复。"),
        ({"type": "multiple", "answer": "C"}, "多选题至少要有两个正确答案。"),
        ({"type": "single", "answer": ""}, "请填写正确答案。"),
        ({"type": "truefalse", "options": "", "answer": "也许"}, "判断题的答案请填“对”或“错”"),
        ({"type": "truefalse", "answer": "对"}, "判断题不需要选项，请清空“选项”。"),
        (
            {"type": "fill", "options": "", "stem": "提前____天公告", "answer": "7\n45"},
            "题干中有 1 个空（____），但答案给了 2 个空。",
        ),
        (
            {"type": "fill", "options": "", "stem": "提前____天公告", "answer": "|"},
            "第 1 个空没有答案",
        ),
        ({"type": "short", "options": "", "answer": "\n \n"}, "请填写正确答案。"),
        ({"quote": "这句话不在任何来源文件里"}, "请同时选择它的来源文件"),
    ],
)
def test_bad_answers_are_refused_in_chinese_and_nothing_is_saved(
    editor_client, category, overrides, message
):
    before = Question.objects.count()
    response = editor_client.post(f"{QUESTIONS}new/", question_data(category, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Question.objects.count() == before


def test_a_quote_must_be_found_in_its_source(editor_client, category, source):
    response = editor_client.post(
        f"{QUESTIONS}new/",
        question_data(category, source=source.pk, quote="这句话不在来源文件里"),
    )
    assert "这段摘录在" in response.content.decode()
    assert not Question.objects.filter(code="t-admin-1").exists()
    qa = QAItem.objects.filter(source=source).first()
    response = editor_client.post(
        f"{QUESTIONS}new/", question_data(category, source=source.pk, quote=qa.quote)
    )
    assert response.status_code == 302
    assert Question.objects.get(code="t-admin-1").quote == qa.quote


def edit_form(editor_client, question) -> dict:
    """The edit page's own form data, as the browser would post it unchanged."""
    html = editor_client.get(f"{QUESTIONS}edit/{question.pk}/").content.decode()
    data = querydict_from_html(html, form_id="w-editor-form").dict()
    # Unselected multi-selects would be read as their first option; keep the real links.
    data["rules"] = [str(pk) for pk in question.rules.values_list("pk", flat=True)]
    data["qa_items"] = [str(pk) for pk in question.qa_items.values_list("pk", flat=True)]
    data["cases"] = [str(pk) for pk in question.cases.values_list("pk", flat=True)]
    return data


@pytest.mark.parametrize("qtype", ["single", "multiple", "truefalse", "fill", "short"])
def test_edit_form_shows_the_familiar_answer_and_saves_it_back_unchanged(editor_client, qtype):
    question = Question.objects.filter(type=qtype).exclude(quote="").first()
    stored = (question.options, question.answer)
    data = edit_form(editor_client, question)
    expected = {
        "single": lambda: "ABCDEFGH"[question.answer[0]],
        "multiple": lambda: "".join("ABCDEFGH"[i] for i in question.answer),
        "truefalse": lambda: "对" if question.answer[0] else "错",
        "fill": lambda: "\n".join(" | ".join(b) for b in question.answer),
        "short": lambda: "\n".join(question.answer),
    }[qtype]()
    assert data["answer"].strip() == expected
    data["explanation"] = "改过的解析"
    response = editor_client.post(f"{QUESTIONS}edit/{question.pk}/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    question.refresh_from_db()
    assert (question.options, question.answer) == stored
    assert question.explanation == "改过的解析"


def test_editing_a_choice_answer_and_links(editor_client):
    question = Question.objects.filter(type="single").first()
    rule = RuleItem.objects.first()
    data = edit_form(editor_client, question)
    new_letter = "A" if question.answer != [0] else "B"
    data.update(answer=new_letter, rules=[str(rule.pk)], status="retired")
    response = editor_client.post(f"{QUESTIONS}edit/{question.pk}/", data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == ["AB".index(new_letter)]
    assert list(question.rules.all()) == [rule]
    assert question.status == "retired"


def test_a_bad_edit_changes_nothing(editor_client):
    question = Question.objects.filter(type="multiple").first()
    stored = (question.answer, question.stem)
    data = edit_form(editor_client, question)
    data.update(answer="Z", stem="改了题干")
    response = editor_client.post(f"{QUESTIONS}edit/{question.pk}/", data)
    assert response.status_code == 200
    assert "“Z”不是选项字母" in response.content.decode()
    question.refresh_from_db()
    assert (question.answer, question.stem) == stored


def test_editor_sets_note_order_free_blanks_and_retire_reason(editor_client):
    question = Question.objects.filter(type="fill").exclude(quote="").first()
    html = editor_client.get(f"{QUESTIONS}edit/{question.pk}/").content.decode()
    for label in ("编者按", "各空不分顺序", "停用原因"):
        assert label in html
    data = edit_form(editor_client, question)
    data.update(
        note="原文作“三声”，据 004 第二条改。",
        blanks_unordered="on",
        status="retired",
        retire_reason="原文已不再适用",
    )
    response = editor_client.post(f"{QUESTIONS}edit/{question.pk}/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    question.refresh_from_db()
    assert question.note == "原文作“三声”，据 004 第二条改。"
    assert question.blanks_unordered is True
    assert (question.status, question.retire_reason) == ("retired", "原文已不再适用")
    data.pop("blanks_unordered")
    editor_client.post(f"{QUESTIONS}edit/{question.pk}/", data)
    question.refresh_from_db()
    assert question.blanks_unordered is False


def test_links_are_chosen_with_choosers_that_keep_earlier_choices(editor_client):
    question = Question.objects.filter(rules__isnull=False).distinct().first()
    linked = list(question.rules.all())
    page = editor_client.get(f"{QUESTIONS}edit/{question.pk}/").content.decode()
    # Chips for what is linked and a chooser button, not a bare multi-select of every item.
    assert "添加规范条目" in page and "添加知识问答" in page and "添加案例" in page
    assert "/admin/snippets/choose/cases/ruleitem/" in page and "/admin/choose-page/" in page
    for rule in linked:
        assert f'<option value="{rule.pk}" selected>' in page
    rules_select = page.split('name="rules"', 1)[1].split("</select>", 1)[0]
    assert rules_select.count("<option") == len(linked) < RuleItem.objects.count()
    # Adding one keeps the others: the form posts the chips' values.
    extra = RuleItem.objects.exclude(pk__in=[r.pk for r in linked]).first()
    data = edit_form(editor_client, question)
    data["rules"] = [str(r.pk) for r in linked] + [str(extra.pk)]
    assert editor_client.post(f"{QUESTIONS}edit/{question.pk}/", data).status_code == 302
    assert set(question.rules.all()) == {*linked, extra}


# Categories ----------------------------------------------------------------------------------


def test_categories_form_a_tree_and_a_rename_moves_the_subtree(editor_client, category):
    response = editor_client.post(f"{CATEGORIES}new/", {"name": "抢修", "parent": category.pk})
    assert response.status_code == 302
    child = QuestionCategory.objects.get(path="测试题库/抢修")
    listing = editor_client.get(CATEGORIES).content.decode()
    assert "测试题库/抢修" in listing
    response = editor_client.post(
        f"{CATEGORIES}edit/{category.pk}/", {"name": "新题库", "parent": ""}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.path == "新题库/抢修"


def test_bad_category_names_are_refused(editor_client, category):
    QuestionCategory.for_path("测试题库/抢修")
    before = QuestionCategory.objects.count()
    for data, message in [
        ({"name": "抢修", "parent": category.pk}, "已有分类“测试题库/抢修”。"),
        ({"name": "a/b", "parent": ""}, "分类名称不能包含“/”"),
    ]:
        response = editor_client.post(f"{CATEGORIES}new/", data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert QuestionCategory.objects.count() == before
    # Nor can a category move under its own subcategory.
    child = QuestionCategory.objects.get(path="测试题库/抢修")
    response = editor_client.post(
        f"{CATEGORIES}edit/{category.pk}/", {"name": "测试题库", "parent": child.pk}
    )
    assert response.status_code == 200
    category.refresh_from_db()
    assert category.parent is None


# Blueprints ----------------------------------------------------------------------------------


def sections_data(sections: list[dict], initial: int = 0) -> dict:
    data = {
        "sections-TOTAL_FORMS": str(len(sections)),
        "sections-INITIAL_FORMS": str(initial),
        "sections-MIN_NUM_FORMS": "1",
        "sections-MAX_NUM_FORMS": "1000",
    }
    for i, section in enumerate(sections):
        for key, value in section.items():
            data[f"sections-{i}-{key}"] = value
        data.setdefault(f"sections-{i}-DELETE", "")
        data.setdefault(f"sections-{i}-kind", "questions")  # the section editor's select
    return data


def blueprint_data(**overrides) -> dict:
    data = {
        "name": "月考（测试）",
        "description": "",
        "status": "ready",
        "pass_mark": "60",
        "time_limit_minutes": "45",
        "shuffle_questions": "on",
        "shuffle_options": "on",
        "multiple_scoring": "all",
        "attempts_allowed": "1",
        "answers_shown": "submit",
        "review_visibility": "full",
        "pass_text": "合格",
        "fail_text": "不合格",
    }
    data.update(overrides)
    return data


def test_editor_creates_a_blueprint_with_sections_and_sees_its_total(editor_client):
    etiquette = QuestionCategory.objects.get(path="礼仪")
    data = blueprint_data(
        **sections_data(
            [
                {
                    "title": "一、单选",
                    "question_count": "10",
                    "score_per_question": "2",
                    "sort_order": "0",
                    "types": ["single"],
                    "categories": [str(etiquette.pk)],
                },
                {
                    "title": "二、判断",
                    "question_count": "20",
                    "score_per_question": "1.5",
                    "sort_order": "1",
                    "types": ["truefalse"],
                    "difficulties": ["1", "2"],
                },
            ]
        )
    )
    response = editor_client.post(f"{BLUEPRINTS}new/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    blueprint = Blueprint.objects.get(name="月考（测试）")
    first, second = blueprint.sections.all()
    assert list(first.categories.all()) == [etiquette]
    assert first.types == ["single"] and second.difficulties == [1, 2]
    assert blueprint.total_score == Decimal(50)
    listing = editor_client.get(BLUEPRINTS)
    row = next(b for b in listing.context["object_list"] if b.pk == blueprint.pk)
    assert (row.question_total, row.total) == (30, Decimal(50))
    assert (
        "满分 <strong>50</strong> 分"
        in editor_client.get(f"{BLUEPRINTS}edit/{blueprint.pk}/").content.decode()
    )


def test_bad_sections_are_refused(editor_client):
    before = Blueprint.objects.count()
    data = blueprint_data(
        **sections_data(
            [{"title": "一", "question_count": "0", "score_per_question": "-1", "sort_order": "0"}]
        )
    )
    response = editor_client.post(f"{BLUEPRINTS}new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "每个大题至少抽 1 道题。" in html
    assert "每题分值必须大于 0。" in html
    assert Blueprint.objects.count() == before


def test_check_draws_a_paper_and_shows_each_section_size(editor_client):
    blueprint = Blueprint.objects.get(name="供电服务综合知识考试（100分）")
    response = editor_client.get(f"{BLUEPRINTS}check/{blueprint.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "可以抽题" in html
    drawn = response.context["drawn_count"]
    assert (
        f"本次抽到 {drawn} 道题（含 2 份案例分析材料的 {drawn - 41} 道小题），合计 100 分" in html
    )
    checks = response.context["checks"]
    assert [(c.title, len(c.materials) if c.draws_materials else len(c.drawn)) for c in checks] == [
        (s.title, s.question_count) for s in blueprint.sections.all()
    ]


def test_check_names_the_section_whose_pool_is_too_small(editor_client):
    available = Question.objects.filter(
        type=QuestionType.FILL, status="active", usage__in=EXAM_USAGES, material__isnull=True
    ).count()
    blueprint = make_blueprint(
        ("一、判断", [QuestionType.TRUE_FALSE], 5, 1),
        ("二、填空大题", [QuestionType.FILL], available + 3, 2),
    )
    response = editor_client.get(f"{BLUEPRINTS}check/{blueprint.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "抽不出试卷" in html
    assert f"大题“二、填空大题”题目不足：需要 {available + 3} 道" in html
    assert "还差 3 道" in html
    assert "可以抽题" not in html


def test_check_of_a_blueprint_without_sections(editor_client):
    blueprint = Blueprint.objects.create(name="空规则")
    html = editor_client.get(f"{BLUEPRINTS}check/{blueprint.pk}/").content.decode()
    assert "还没有大题，无法抽题" in html


# Exams ---------------------------------------------------------------------------------------


def exam_data(blueprint, **overrides) -> dict:
    data = {
        "title": "五月月考",
        "blueprint": blueprint.pk,
        "status": "published",
        "opens_at": "2026-05-20 08:00",
        "closes_at": "2026-05-20 10:00",
    }
    data.update(overrides)
    return data


def test_editor_schedules_an_exam(editor_client, editor_user):
    blueprint = Blueprint.objects.get(name="供电服务综合知识考试（100分）")
    response = editor_client.post(f"{EXAMS}new/", exam_data(blueprint))
    assert response.status_code == 302, response.content.decode()[-3000:]
    exam = Exam.objects.get(title="五月月考")
    assert exam.created_by == editor_user
    assert exam.closes_at - exam.opens_at == timedelta(hours=2)
    assert timezone.localtime(exam.opens_at).hour == 8  # Beijing time, as typed


def test_exam_must_close_after_it_opens(editor_client):
    blueprint = Blueprint.objects.get(name="供电服务综合知识考试（100分）")
    for closes_at in ["2026-05-20 08:00", "2026-05-19 08:00"]:
        response = editor_client.post(f"{EXAMS}new/", exam_data(blueprint, closes_at=closes_at))
        assert response.status_code == 200
        assert "截止时间必须晚于开始时间。" in response.content.decode()
    assert not Exam.objects.filter(title="五月月考").exists()


def test_an_exam_cannot_be_published_from_a_blueprint_that_cannot_be_drawn(editor_client):
    too_big = make_blueprint(("判断", [QuestionType.TRUE_FALSE], 100000, 1), name="太大")
    draft = make_blueprint(
        ("判断", [QuestionType.TRUE_FALSE], 1, 1), name="草稿规则", status="draft"
    )
    for blueprint, message in [(too_big, "题目不足"), (draft, "还是草稿")]:
        response = editor_client.post(f"{EXAMS}new/", exam_data(blueprint))
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not Exam.objects.filter(title="五月月考").exists()
    # A draft exam may wait for its blueprint.
    response = editor_client.post(f"{EXAMS}new/", exam_data(draft, status="draft"))
    assert response.status_code == 302
    assert BlueprintSection.objects.filter(blueprint=draft).count() == 1


# Deleting ------------------------------------------------------------------------------------


def test_what_exams_depend_on_cannot_be_deleted(editor_client, staff_user):
    exam = Exam.objects.get(title="综合知识模拟考试")
    attempt = services.start_attempt(exam=exam, user=staff_user, now=timezone.now())
    drawn = attempt.questions.first().question
    category = drawn.category
    for url, message, still_there in [
        (
            f"{QUESTIONS}delete/{drawn.pk}/",
            "该试题已被抽入 1 份试卷",
            Question.objects.filter(pk=drawn.pk),
        ),
        (
            f"{CATEGORIES}delete/{category.pk}/",
            f"分类“{category.path}”下还有",
            QuestionCategory.objects.filter(pk=category.pk),
        ),
        (
            f"{BLUEPRINTS}delete/{exam.blueprint_id}/",
            "场考试使用组卷规则",
            Blueprint.objects.filter(pk=exam.blueprint_id),
        ),
        (
            f"{EXAMS}delete/{exam.pk}/",
            "已有 1 份作答记录，不能删除",
            Exam.objects.filter(pk=exam.pk),
        ),
    ]:
        for response in [editor_client.get(url), editor_client.post(url)]:
            assert response.status_code == 302, url
            assert any(message in str(m) for m in get_messages(response.wsgi_request)), url
        assert still_there.exists(), url


def test_an_unused_question_can_be_deleted(editor_client, category):
    question = Question.objects.create(
        code="t-d1", type="truefalse", stem="待删除", answer=[True], category=category
    )
    response = editor_client.post(f"{QUESTIONS}delete/{question.pk}/")
    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()
