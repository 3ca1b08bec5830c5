"""Editors (培训专责) create and edit every kind of knowledge item in the Wagtail admin."""

import pytest
from wagtail.test.utils.form_data import nested_form_data, streamfield

from cases.loaders import case_index_page
from cases.models import CasePage, QAItem, RuleItem, RuleSet, SourceDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


@pytest.fixture
def source():
    return SourceDocument.objects.get(file_name="004_0c2efcfe3ea11507.txt")


def test_editor_sees_the_knowledge_menu(editor_client):
    for url in [
        "/admin/snippets/cases/ruleset/",
        "/admin/snippets/cases/ruleitem/",
        "/admin/snippets/cases/qaitem/",
        "/admin/snippets/cases/sourcedocument/",
        "/admin/snippets/cases/ruleitem/?category=抢修",
    ]:
        assert editor_client.get(url).status_code == 200, url


def test_staff_cannot_use_the_admin(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/admin/snippets/cases/ruleitem/")
    assert response.status_code == 302


def test_editor_creates_and_edits_a_rule(editor_client, source):
    rule_set = RuleSet.objects.get(code="si-sheng-fu-wu")
    data = {
        "rule_set": rule_set.pk,
        "key": "9",
        "number": "9",
        "title": "测试条目",
        "text": "来有迎声",
        "category": "礼仪",
        "sort_order": 9,
        "source": source.pk,
        "quote": "来有迎声",
        "validity": "valid",
        "note": "原文作“来有迎声”。",
    }
    response = editor_client.post("/admin/snippets/cases/ruleitem/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = RuleItem.objects.get(rule_set=rule_set, key="9")
    data["title"] = "改过的标题"
    response = editor_client.post(f"/admin/snippets/cases/ruleitem/edit/{rule.pk}/", data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.title == "改过的标题"


def test_duplicate_rule_key_is_refused_with_a_message(editor_client, source):
    rule_set = RuleSet.objects.get(code="shi-ge-bu-zhun")
    before = RuleItem.objects.count()
    response = editor_client.post(
        "/admin/snippets/cases/ruleitem/add/",
        {
            "rule_set": rule_set.pk,
            "key": "1",
            "title": "重复",
            "text": "重复",
            "category": "礼仪",
            "sort_order": 0,
            "source": source.pk,
            "quote": "x",
        },
    )
    assert response.status_code == 200
    assert RuleItem.objects.count() == before


def test_editor_creates_a_rule_set(editor_client, source):
    response = editor_client.post(
        "/admin/snippets/cases/ruleset/add/",
        {
            "code": "test-set",
            "name": "测试规范",
            "kind": "service",
            "version": "2026",
            "sort_order": 99,
            "source": source.pk,
        },
    )
    assert response.status_code == 302
    assert RuleSet.objects.filter(code="test-set").exists()


def test_editor_creates_a_qa_item_with_key_points(editor_client, source):
    data = {
        "code": "qa-test-1",
        "collection": "测试题集",
        "category": "礼仪",
        "question": "什么是四声服务？",
        "answer": "来有迎声、问有答声、走有送声、错有歉声。",
        "key_points": "来有迎声\n问有答声|问有答语\n\n走有送声 ×2",
        "sort_order": 0,
        "source": source.pk,
        "quote": "来有迎声",
        "validity": "valid",
        "note": "",
    }
    response = editor_client.post("/admin/snippets/cases/qaitem/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item = QAItem.objects.get(code="qa-test-1")
    assert item.key_points == ["来有迎声", "问有答声|问有答语", {"point": "走有送声", "weight": 2}]
    # The edit form shows the points as they were written.
    page = editor_client.get(f"/admin/snippets/cases/qaitem/edit/{item.pk}/").content.decode()
    assert "走有送声 ×2" in page


@pytest.mark.parametrize(
    "key_points, message",
    [
        ("答案\n不存在的要点", "以下要点与答案不符（答案本身答不到）：不存在的要点"),
        ("答案\n。。。", "去掉标点和空格后什么也不剩"),
        ("答案 + ", "有空的部分"),
        ("答案 ×99", "要点权重应在 0.5 到 10 之间"),
    ],
)
def test_qa_key_points_that_cannot_match_are_refused(editor_client, source, key_points, message):
    response = editor_client.post(
        "/admin/snippets/cases/qaitem/add/",
        {
            "code": "qa-test-2",
            "collection": "测试题集",
            "category": "礼仪",
            "question": "问题",
            "answer": "答案内容",
            "key_points": key_points,
            "sort_order": 0,
            "source": source.pk,
            "quote": "x",
            "validity": "valid",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not QAItem.objects.filter(code="qa-test-2").exists()


def test_editor_creates_and_edits_a_case_page(editor_client, source):
    index = case_index_page()
    clause_rule = RuleItem.objects.get(rule_set__code="shi-ge-bu-zhun", key="4")
    body = streamfield(
        [
            ("summary", {"text": "提要", "quote": "来有迎声"}),
            (
                "violations",
                {
                    "clauses": streamfield(
                        [
                            (
                                "item",
                                {"rule": clause_rule.pk, "text": "不准推诿", "quote": "来有迎声"},
                            )
                        ]
                    )
                },
            ),
        ]
    )
    data = nested_form_data(
        {
            "title": "测试案例",
            "slug": "test-case",
            "kind": "bad",
            "category": "营业",
            "series": "",
            "number": "",
            "source": source.pk,
            "body": body,
            "action-publish": "publish",
        }
    )
    response = editor_client.post(f"/admin/pages/add/cases/casepage/{index.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = CasePage.objects.get(slug="test-case")
    assert case.live
    # The clause under 违规条款 became one of the case's rules, so the rule page lists the case.
    assert clause_rule in case.related_rules.all()

    data["title"] = "测试案例（修改）"
    response = editor_client.post(f"/admin/pages/{case.pk}/edit/", data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title == "测试案例（修改）"
    assert case.revisions.count() >= 2
