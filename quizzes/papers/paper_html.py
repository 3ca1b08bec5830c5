"""The paper's questions and answer card as HTML, built in Python: a paper of 100 questions through
a template include per question cost about 25 ms of CPU per page view (every variable resolved,
every number localised); this gives the same markup in a tenth of that.

Only what the paper page may show is read here — never an answer key, an explanation or a mark
(selectors.paper_questions does not even load them). Every text from the bank or the person is
escaped.
"""

from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines

from ..bank.answers import BLANK, option_letter
from ..templatetags.quiz_tags import points, stem_with_blanks
from .models import AttemptQuestion
from .selectors import CardSection, PaperBlock


def _lines(text: str) -> str:
    """Django's linebreaksbr filter: escaped, each line break a <br>."""
    return escape(normalize_newlines(text)).replace("\n", "<br>")


def _checked(yes: bool) -> str:
    return " checked" if yes else ""


def _option_labels(item: AttemptQuestion, name: str) -> str:
    """Single choice (radio) or multiple choice (checkbox): one label per option."""
    response = item.response
    radio = item.type == "single"
    out = ["\n    "]
    for index, option in enumerate(item.options):
        if radio:
            checked = response == index
            kind = "radio"
        else:
            checked = isinstance(response, list) and index in response
            kind = "checkbox"
        out.append(
            f'\n      <label class="option"><input type="{kind}" name="{name}" value="{index}"'
            f'{_checked(checked)}> <span class="letter">{option_letter(index)}.</span> '
            f"{escape(option)}</label>\n    "
        )
    out.append("\n  ")
    return "".join(out)


def _blank_value(response, index: int):
    try:
        return response[index]
    except (IndexError, TypeError, KeyError):
        return ""


def _answer_inputs(item: AttemptQuestion, name: str) -> str:
    response = item.response
    if item.type in ("single", "multiple"):
        return _option_labels(item, name)
    if item.type == "truefalse":
        return (
            f'\n    <label class="option"><input type="radio" name="{name}" value="true"'
            f"{_checked(response == True)}> 对</label>\n"  # noqa: E712 (as the template compared)
            f'    <label class="option"><input type="radio" name="{name}" value="false"'
            f"{_checked(response == False)}> 错</label>\n  "  # noqa: E712
        )
    if item.type == "fill":
        out = ["\n    "]
        for index in range(item.stem.count(BLANK)):
            out.append(
                f'\n      <label class="blank">（{index + 1}）<input type="text" name="{name}" '
                f'maxlength="200" value="{escape(_blank_value(response, index))}" '
                'autocomplete="off"></label>\n    '
            )
        out.append("\n  ")
        return "".join(out)
    text = "" if response is None else escape(response)
    return (
        f'\n    <label class="visually-hidden" for="text{item.position}">第 {item.position} 题答案'
        "</label>\n"
        f'    <textarea id="text{item.position}" name="{name}" rows="5" maxlength="5000">'
        f"{text}</textarea>\n  "
    )


def question_html(item: AttemptQuestion) -> str:
    """One question of the paper: its number, type, score, stem, the answer inputs holding the
    saved answer, the save state and the flag button."""
    position = item.position
    name = f"q{position}"
    stem = stem_with_blanks(item.stem) if item.type == "fill" else item.stem
    if item.saved_at:
        state = (
            'save-state saved" data-state aria-live="polite">'
            f"已保存 {timezone.localtime(item.saved_at):%H:%M:%S}"
        )
    else:
        state = 'save-state" data-state aria-live="polite">未作答'
    flagged = "true" if item.flagged else "false"
    return (
        f'<fieldset class="card question{" flagged" if item.flagged else ""}" '
        f'data-position="{position}" data-type="{escape(item.type)}" id="q{position}" '
        'tabindex="-1">\n'
        f'  <legend><span class="q-number">{position}.</span> <span class="q-type">'
        f'[{escape(item.get_type_display())}]</span> <span class="q-score">'
        f"（{escape(points(item.max_score))}分）</span></legend>\n"
        f'  <p class="stem">{_lines(stem)}</p>\n  '
        + _answer_inputs(item, name)
        + '\n  \n  <div class="question-foot">\n'
        f'    <p class="{state}</p>\n'
        f'    <button type="button" class="flag-toggle" data-flag aria-pressed="{flagged}" '
        f'aria-label="标记第 {position} 题"><span aria-hidden="true">⚑</span> 标记</button>\n'
        "  </div>\n</fieldset>\n"
    )


def _block_html(block: PaperBlock) -> str:
    questions = "".join(question_html(item) for item in block.items)
    title = (
        f'<h2 class="section-title">{escape(block.section_title)}</h2>'
        if block.starts_section
        else ""
    )
    material = block.material
    if material is None:
        return f"\n    {title}\n    \n      {questions}\n    \n  "
    number = material.position
    return (
        f"\n    {title}\n    \n"
        '      <div class="material-block">\n'
        f'        <div class="material-text" id="material{number}" tabindex="0" role="region" '
        f'aria-labelledby="material{number}-title">\n'
        f'          <h3 class="material-title" id="material{number}-title">材料{number}'
        f"（第 {block.first}–{block.last} 题）</h3>\n"
        f'          <div class="material-body">{linebreaks(material.text, autoescape=True)}</div>\n'
        "        </div>\n"
        '        <div class="material-questions">\n'
        f"          {questions}\n"
        "        </div>\n"
        "      </div>\n    \n  "
    )


def paper_html(blocks: list[PaperBlock]) -> SafeString:
    """The paper's blocks in order: section titles, case materials beside their sub-questions,
    and every question."""
    return mark_safe("".join(_block_html(block) for block in blocks))  # noqa: S308


def answer_card_html(sections: list[CardSection]) -> SafeString:
    """The answer card's sections (答题卡): a title and a grid of question numbers each."""
    out = []
    for section in sections:
        out.append(
            f'\n    <h3 class="card-section">{escape(section.title)}</h3>\n    <ol class="card-grid">\n      '
        )
        for cell in section.cells:
            position, material = cell["position"], cell["material"]
            classes = (
                "card-cell"
                + (" answered" if cell["answered"] else "")
                + (" flagged" if cell["flagged"] else "")
            )
            label = f"第 {position} 题" + (f"（材料{material}）" if material else "")
            label += "，已作答" if cell["answered"] else "，未作答"
            label += "，已标记" if cell["flagged"] else ""
            out.append(
                f'\n        <li><a href="#q{position}" class="{classes}" data-card-cell="{position}"'
                + (f' data-material="{material}"' if material else "")
                + f' aria-label="{label}">{position}</a></li>\n      '
            )
        out.append("\n    </ol>\n  ")
    return mark_safe("".join(out))  # noqa: S308
