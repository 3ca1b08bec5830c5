"""The paper's questions built in Python (quizzes/papers/paper_html.py, issue 21): each type shows
its saved answer, every text from the bank or the person is escaped, and the answer card says
what is answered and flagged. (Byte-for-byte the markup the per-question template gave.)"""

from datetime import UTC, datetime
from decimal import Decimal

from quizzes.models import AttemptMaterial, AttemptQuestion
from quizzes.papers import paper_html
from quizzes.papers.selectors import answer_card, paper_blocks


def item(position: int, qtype: str, **fields) -> AttemptQuestion:
    fields.setdefault("stem", f"第{position}题")
    fields.setdefault("section_title", "一、判断题")
    return AttemptQuestion(position=position, type=qtype, max_score=Decimal("2.50"), **fields)


def test_each_type_shows_its_saved_answer():
    single = paper_html.question_html(item(1, "single", options=["甲", "乙", "丙"], response=1))
    assert 'name="q1" value="1" checked>' in single and 'value="0">' in single
    assert "（2.5分）" in single and "[单选" in single

    multiple = paper_html.question_html(
        item(2, "multiple", options=["甲", "乙", "丙"], response=[0, 2])
    )
    assert multiple.count(" checked>") == 2 and 'value="1">' in multiple

    truefalse = paper_html.question_html(item(3, "truefalse", response=False))
    assert 'value="false" checked>' in truefalse and 'value="true">' in truefalse

    fill = paper_html.question_html(item(4, "fill", stem="首问____制，____小时", response=["负责"]))
    assert "（1）____" in fill and "（2）____" in fill
    assert 'value="负责"' in fill and fill.count('value=""') == 1

    saved = datetime(2026, 12, 1, 1, 2, 3, tzinfo=UTC)  # 09:02:03 in Shanghai
    short = paper_html.question_html(item(5, "short", response="答案", saved_at=saved))
    assert ">答案</textarea>" in short and "已保存 09:02:03" in short
    assert "save-state saved" in short

    empty = paper_html.question_html(item(6, "short"))
    assert "></textarea>" in empty and ">未作答</p>" in empty


def test_bank_and_person_texts_are_escaped():
    html = paper_html.question_html(
        item(
            1,
            "single",
            stem='<script>alert("题干")</script>\n第二行',
            options=["<b>甲</b>", "乙&丙"],
            response=0,
        )
    )
    assert "<script>" not in html and "&lt;script&gt;" in html and "<br>第二行" in html
    assert "&lt;b&gt;甲&lt;/b&gt;" in html and "乙&amp;丙" in html
    short = paper_html.question_html(
        item(2, "short", response='</textarea><img src=x onerror="1">')
    )
    assert "<img" not in short and "&lt;/textarea&gt;" in short
    fill = paper_html.question_html(item(3, "fill", stem="____", response=['"><i>x']))
    assert "<i>" not in fill and "&quot;&gt;&lt;i&gt;x" in fill


def test_materials_sections_and_the_card():
    material = AttemptMaterial(pk=1, position=1, text="材料正文<b>\n\n第二段")
    items = [
        item(1, "truefalse", response=True, flagged=True),
        item(2, "single", options=["甲", "乙"], section_title="二、案例分析", material=material),
        item(3, "short", section_title="二、案例分析", material=material, response="好"),
    ]
    body = paper_html.paper_html(paper_blocks(items))
    assert body.count('<h2 class="section-title">') == 2
    assert "材料1（第 2–3 题）" in body and "材料正文&lt;b&gt;" in body and "<p>第二段</p>" in body
    assert 'class="card question flagged"' in body
    card = paper_html.answer_card_html(answer_card(items))
    assert 'aria-label="第 1 题，已作答，已标记"' in card
    assert 'data-material="1" aria-label="第 2 题（材料1），未作答"' in card
    assert 'class="card-cell answered" data-card-cell="3"' in card
