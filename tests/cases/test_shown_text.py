"""`verify_sources` lists every item whose shown text differs from its quote beyond typo fixes,
and fails when one of them has no editor's note."""

import io

import pytest
from django.core.management import CommandError, call_command

from cases.models import QAItem, RuleItem
from cases.shown_text import differing_runs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "shown, quote",
    [
        ("铃响三声内接听。", "铃响三声内接听"),  # punctuation
        ("电表箱装在屋檐下", "电表箱装在屋 檐下"),  # layout
        ("工作流程是：受理、审核", "工作流程是:受理、审核"),  # width of punctuation
        ("投诉处理", "投訴處理"),  # Traditional source
        ("装横担", "装横旦"),  # a listed typo fix
        ("有两种情况", "经查有两种情况一是"),  # a contiguous part
        ("不准推诿塞责", "(4)不准推诿塞 21、责"),  # numbering and page noise
    ],
)
def test_what_is_not_a_change_of_wording(shown, quote):
    assert differing_runs(shown, quote) == []


@pytest.mark.parametrize(
    "shown, quote",
    [
        ("因故意造成", "因故障造成"),  # 故障 → 故意
        ("待人宽容", "待人宽言"),
        ("应当在三天内", "应当在七天内"),
        ("不准推诿", "准推诿"),  # a word added inside
    ],
)
def test_what_is_a_change_of_wording(shown, quote):
    assert differing_runs(shown, quote)


def run_verify() -> str:
    out = io.StringIO()
    call_command("verify_sources", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_seeded_content_explains_every_change():
    text = run_verify()
    assert "显示文字与原文不同之处" in text and "缺编者按 0 处" in text
    assert "qa-004-marketing-034" in text  # 故障 → 故意, explained by its note


def test_a_changed_word_without_a_note_fails():
    rule = RuleItem.objects.get(rule_set__code="shi-ge-bu-zhun", key="4")
    rule.text = rule.text.replace("推诿", "拖延")
    rule.note = ""
    rule.save()
    with pytest.raises(CommandError, match="缺编者按|却没有编者按"):
        run_verify()
    rule.note = "原文作“推诿”，此处改写（测试）。"
    rule.save()
    assert "[有编者按] [规范条目] shi-ge-bu-zhun/4" in run_verify()


def test_the_note_is_shown_to_staff(client, staff_user):
    item = QAItem.objects.get(code="qa-004-marketing-034")
    assert item.note
    client.force_login(staff_user)
    html = client.get(item.get_absolute_url()).content.decode()
    assert "编者按" in html and item.note[:20] in html


def test_an_erroneous_item_is_marked_and_its_question_retired(client, staff_user):
    from quizzes.models import Question

    item = QAItem.objects.get(code="qa-004-service-001")  # 蒙电杯 dates
    assert item.validity == "obsolete"
    assert Question.objects.get(code="qa-004-service-001").status == "retired"
    client.force_login(staff_user)
    assert "已不再适用" in client.get(item.get_absolute_url()).content.decode()
