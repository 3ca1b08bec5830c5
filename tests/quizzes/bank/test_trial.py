"""试评: `manage.py grade_answer` and the try-out box on a question's admin preview grade an answer
as a paper would, and record nothing."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from quizzes.models import MarkingEvent, Question, QuestionCategory
from quizzes.practice.models import AnswerRecord

pytestmark = pytest.mark.django_db


def grade_json(code: str, answer: str) -> dict:
    out = io.StringIO()
    call_command("grade_answer", code, "--answer", answer, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_leaving_out_one_of_the_ten_costs_its_share():
    ten = (
        "不准违反规定停电，不准自立收费项目，不准为客户指定设计单位，不准推诿塞责，"
        "不准为亲友谋取私利，不准泄露商业秘密，不准收受礼品，不准接受宴请，不准饮酒，"
        "不准谋取不正当利益"
    )
    full = grade_json("qa-004-service-091", ten)
    assert full["score"] == full["max_score"] == 5.0
    assert all(point["matched"] for point in full["points"]) and len(full["points"]) == 10
    without_drinking = grade_json("qa-004-service-091", ten.replace("不准饮酒，", ""))
    assert without_drinking["score"] == 4.5
    missing = [p["point"] for p in without_drinking["points"] if not p["matched"]]
    assert missing == ["饮酒"]
    assert not AnswerRecord.objects.exists() and not MarkingEvent.objects.exists()


def test_the_text_output_names_each_point():
    out = io.StringIO()
    call_command("grade_answer", "qa-004-service-002", "--answer", "来有迎声，问有答声", stdout=out)
    text = out.getvalue()
    assert "qa-004-service-002：得 3.33 / 5 分" in text
    assert "✔ 迎声|迎接|迎候（答到：迎声）" in text and "✘ 送声" in text


def test_order_free_blanks_in_a_fill_question():
    question = Question.objects.create(
        code="trial-fill",
        type="fill",
        stem="不准为客户指定____、____单位。",
        answer=[["设计"], ["施工"]],
        blanks_unordered=True,
        category=QuestionCategory.for_path("试评"),
        default_score=2,
    )
    assert grade_json(question.code, "施工；设计")["score"] == 2.0
    question.blanks_unordered = False
    question.save()
    assert grade_json(question.code, "施工；设计")["score"] == 0.0


@pytest.mark.parametrize(
    "code, answer, message",
    [
        ("nope", "x", "没有编码为“nope”的试题"),
        ("qa-004-service-002", "字" * 20_000, "答案最多 5000 个字"),
    ],
)
def test_bad_input_is_refused_in_chinese(code, answer, message):
    with pytest.raises(CommandError, match=message):
        call_command("grade_answer", code, "--answer", answer, stdout=io.StringIO())


def test_an_empty_answer_scores_zero():
    assert grade_json("qa-004-service-002", "")["score"] == 0.0


def test_choice_questions_cannot_be_tried():
    code = Question.objects.filter(type="single").values_list("code", flat=True).first()
    with pytest.raises(CommandError, match="只有简答题和填空题可以试评"):
        call_command("grade_answer", code, "--answer", "A", stdout=io.StringIO())


def test_the_try_out_box_on_the_admin_preview(client, editor_user):
    question = Question.objects.get(code="qa-004-service-002")
    client.force_login(editor_user)
    url = f"/admin/quizzes/questions/inspect/{question.pk}/"
    page = client.get(url).content.decode()
    assert "试评" in page and 'name="trial"' in page
    page = client.get(url, {"trial": "来有迎声，问有答声"}).content.decode()
    assert "得 3.33 / 5 分" in page and "答到：迎声" in page and "✘ 送声" in page
    page = client.get(url, {"trial": "字" * 6000}).content.decode()
    assert "答案最多 5000 个字" in page
