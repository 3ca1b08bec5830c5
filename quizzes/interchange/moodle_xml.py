"""Moodle XML question files (https://docs.moodle.org/en/Moodle_XML_format): reader and writer.

Reader: defusedxml refuses entity declarations (billion laughs, external entities) and never
fetches anything; each <question> is mapped by moodle_common, and any type we do not have is
reported by name and line. Writer: one category record per category path, then its questions;
a fill-in-the-blank question with one blank is a Moodle short answer, with several blanks a Moodle
cloze question with one SHORTANSWER part per blank (read back by this reader).

Case-analysis materials (Moodle has no such question type): each sub-question is a question of
its own, in a subcategory named after its material ("案例分析材料 <code>：<title>", under the
material's category), whose question text is the material, then the sub-question:
"【材料】<material>\n\n【小题】<stem>". The reader regroups the questions of such a category
into one material, in file order, and does not create the category itself.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from decimal import Decimal
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from ..bank.answers import BLANK
from ..bank.choices import QuestionType
from . import materials
from . import moodle_common as common
from .base import ParsedQuestion, ParseResult
from .convert import as_parsed
from .text import (
    BLANK_SLOT,
    HTML,
    MOODLE,
    PLAIN,
    category_path,
    clean_text,
    count_images,
    decode_text,
    file_bytes,
    join_key_points,
    moodle_category_path,
    parse_score,
    to_plain,
)

FORMAT = "moodlexml"
SUPPORTED = {"multichoice", "truefalse", "shortanswer", "essay", "cloze", "category"}
# Moodle's names for the cloze sub-question types that are one typed-in blank.
CLOZE_BLANK_TYPES = {"SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC"}
CLOZE_CASE_SENSITIVE = {"SHORTANSWER_C", "SAC", "MWC"}
_CLOZE_START = re.compile(r"\{(\d*):([A-Z_]+):")
_CLOZE_UNESCAPE = re.compile(r"\\([}#~/\"\\])")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# A case-analysis material's category and its questions' text (see the module docstring).
MATERIAL_CATEGORY = "案例分析材料 "
_MATERIAL_NAME = re.compile(r"^案例分析材料 (?P<key>[^：\s]+)：?(?P<title>.*)$")
MATERIAL_MARK, SUBQUESTION_MARK = "【材料】", "【小题】"


# Reading ------------------------------------------------------------------------------------


class _LineRecorder:
    """Builds the tree and remembers the line each <question> starts on (for the report)."""

    def __init__(self) -> None:
        self.builder = ET.TreeBuilder()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[int, int] = {}

    def start(self, tag, attrs):
        element = self.builder.start(tag, attrs)
        if tag == "question" and self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag):
        return self.builder.end(tag)

    def data(self, data):
        self.builder.data(data)

    def close(self):
        return self.builder.close()


def _decode(data: bytes) -> str:
    """The document as text: its declared encoding if it names one other than UTF-8, else UTF-8
    or GB18030 (decode_text)."""
    declared = _DECLARED_ENCODING.match(data.removeprefix(b"\xef\xbb\xbf")[:200])
    name = declared.group(1).decode("ascii").lower() if declared else ""
    if name and name.replace("-", "").replace("_", "") not in ("utf8", "gb18030", "gbk", "gb2312"):
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _read_tree(data: bytes, result: ParseResult):
    text = _decode(data)
    recorder = _LineRecorder()
    parser = DefusedXMLParser(target=recorder, forbid_dtd=False)
    recorder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except EntitiesForbidden:
        result.error(
            "文件中声明了 XML 实体（<!ENTITY …>）。为安全起见，本平台不展开任何实体（可能是"
            "“十亿笑声”攻击或读取服务器文件的外部实体），文件未导入。Moodle 导出的题库文件不含实体声明。",
            parser.parser.CurrentLineNumber,
        )
        return None, {}
    except ExternalReferenceForbidden:
        result.error(
            "文件引用了外部实体或外部 DTD。为安全起见，本平台不读取任何外部内容，文件未导入。",
            parser.parser.CurrentLineNumber,
        )
        return None, {}
    except DefusedXmlException:
        result.error("文件含有不安全的 XML 结构，已拒绝导入。", parser.parser.CurrentLineNumber)
        return None, {}
    except ParseError as error:
        line, column = getattr(error, "position", (None, None))
        reason = str(error).split(":")[0]
        result.error(
            f"XML 格式错误（第 {column} 列附近：{reason}），文件无法读取。请检查该处的标签是否配对。",
            line,
        )
        return None, {}
    return root, recorder.lines


def _child_text(element: ET.Element | None, *path: str) -> str:
    """The raw content of element/path/…/<text>, or ""."""
    node = element
    for name in (*path, "text"):
        if node is None:
            return ""
        node = node.find(name)
    return node.text or "" if node is not None else ""


def _formatted(element: ET.Element, name: str, default: str = MOODLE) -> tuple[str, str]:
    node = element.find(name)
    if node is None:
        return "", default
    return _child_text(node), node.get("format") or default


def _tags(element: ET.Element) -> list[str]:
    return [clean_text(tag.findtext("text") or "") for tag in element.findall("tags/tag")]


def parse(data: bytes) -> ParseResult:
    """Read a Moodle XML question file; only FileRejected escapes (size, encoding)."""
    data = file_bytes(data)
    result = ParseResult(FORMAT)
    root, lines = _read_tree(data, result)
    if root is None:
        return result
    if root.tag != "quiz":
        result.error(f"根元素是 <{root.tag[:30]}>，不是 <quiz>：这不是 Moodle XML 题库文件。", 1)
        return result
    current_category, material = "", None
    for element in root:
        if element.tag != "question":
            continue
        line = lines.get(id(element))
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            current_category = category_path(_child_text(element, "category"))
            current_category, material = _material_category(current_category)
            common.add_category(result, current_category)
            continue
        title = clean_text(_child_text(element, "name"))
        if not qtype:
            result.error("<question> 缺少 type 属性，无法判断题型。", line, "question")
            continue
        if qtype not in SUPPORTED:
            result.skip_unsupported(qtype, line, title)
            continue
        question = _read_question(element, qtype, result, line, title, current_category)
        if question is not None and material is not None:
            _as_subquestion(question, *material)
        common.accept(result, question)
    materials.gather(result, where="Moodle 材料分类")
    if not result.all_questions() and not result.issues and not result.categories:
        result.error("文件中没有题目。", 1)
    return result


def _material_category(path: str) -> tuple[str, tuple[str, str] | None]:
    """A category named after a case-analysis material: (its parent, (code, title)); any other
    category: (itself, None)."""
    parent, _, name = path.rpartition("/")
    match = _MATERIAL_NAME.match(name)
    if match is None:
        return path, None
    return parent, (match.group("key"), match.group("title").strip())


def _as_subquestion(question: ParsedQuestion, key: str, title: str) -> None:
    """A question of a material's category: its text is the material, then the sub-question."""
    question.material_key, question.material_title = key, title
    text = question.stem
    if text.startswith(MATERIAL_MARK) and SUBQUESTION_MARK in text:
        material, _, stem = text[len(MATERIAL_MARK) :].partition(SUBQUESTION_MARK)
        question.material_text, question.stem = material.strip(), stem.strip()


def _read_question(element, qtype, result, line, title, category) -> ParsedQuestion | None:
    raw_stem, stem_format = _formatted(element, "questiontext")
    raw_feedback, feedback_format = _formatted(element, "generalfeedback")
    if count_images(raw_stem) or element.find("questiontext/file") is not None:
        result.warn("题干中的图片或附件未导入（本平台题目只保存文字）。", line, "questiontext")
    base = ParsedQuestion(
        type="",
        stem=to_plain(raw_stem, stem_format),
        explanation=to_plain(raw_feedback, feedback_format),
        category_path=category,
        score=parse_score(element.findtext("defaultgrade") or "", result, line, "defaultgrade"),
        title=title,
        line=line,
    )
    common.apply_tags(base, _tags(element))
    if qtype == "multichoice":
        return _multichoice(element, base, result)
    if qtype == "truefalse":
        return _truefalse(element, base, result)
    if qtype == "shortanswer":
        answers = _answers(element, result, line, default_format=PLAIN)
        if answers is None:
            return None
        if (element.findtext("usecase") or "0").strip() == "1":
            result.warn("原题区分大小写，本平台比对填空答案时不区分大小写。", line, "usecase")
        return common.fill_question(result, base, base.stem, answers)
    if qtype == "essay":
        raw_info, info_format = _formatted(element, "graderinfo", HTML)
        return common.short_question(result, base, to_plain(raw_info, info_format))
    return _cloze(raw_stem, stem_format, base, result)


def _answers(element, result, line, default_format=MOODLE) -> list[tuple[str, Decimal]] | None:
    answers = []
    for answer in element.findall("answer"):
        fraction = common.parse_fraction(answer.get("fraction", "0"))
        if fraction is None:
            result.error(
                f"答案的得分比例 fraction=“{answer.get('fraction', '')[:20]}”不是数字。",
                line,
                "answer",
            )
            return None
        text_format = answer.get("format") or default_format
        text = to_plain(answer.findtext("text") or "", text_format)
        if not common.check_grade(result, fraction, line, text):
            return None
        answers.append((text, fraction))
    if not answers:
        result.error("题目没有任何 <answer>。", line, "answer")
        return None
    return answers


def _multichoice(element, base, result):
    answers = _answers(element, result, base.line)
    if answers is None:
        return None
    single = (element.findtext("single") or "true").strip().lower() not in ("false", "0")
    options = [text for text, _ in answers]
    fractions = [fraction for _, fraction in answers]
    return common.choice_question(result, base, options, fractions, single)


def _truefalse(element, base, result):
    answers = _answers(element, result, base.line)
    if answers is None:
        return None
    by_text = {text.strip().lower(): fraction for text, fraction in answers}
    if "true" in by_text or "false" in by_text:
        correct = by_text.get("true", 0) > 0 if "true" in by_text else by_text["false"] <= 0
    else:
        # Old Moodle files wrote translated labels: then the first answer is "true".
        result.warn(
            "判断题的答案文字不是 true/false，已按“第一个答案为‘对’”理解，请核对。", base.line
        )
        correct = answers[0][1] > 0
    base.type = QuestionType.TRUE_FALSE
    base.answer = [bool(correct)]
    return base


def _cloze(raw_stem, stem_format, base, result):
    """A Moodle cloze question whose every part is a typed-in blank, as our fill-in-the-blank."""
    pieces, blanks, position = [], [], 0
    for match in _CLOZE_START.finditer(raw_stem):
        if match.start() < position:
            continue
        end = _closing_brace(raw_stem, match.end())
        if end is None:
            result.error("完形填空（cloze）题的 {…} 没有结束的 }。", base.line, "questiontext")
            return None
        kind = match.group(2)
        if kind not in CLOZE_BLANK_TYPES:
            result.skip_unsupported(f"cloze（含 {kind} 小题）", base.line, base.title)
            return None
        if kind in CLOZE_CASE_SENSITIVE:
            result.warn("原题区分大小写，本平台比对填空答案时不区分大小写。", base.line)
        pieces.append(raw_stem[position : match.start()])
        blanks.append(_cloze_answers(raw_stem[match.end() : end], stem_format))
        position = end + 1
    pieces.append(raw_stem[position:])
    if not blanks:
        result.error("完形填空（cloze）题中没有找到 {1:SHORTANSWER:=…} 形式的空。", base.line)
        return None
    # Underscores the author typed would count as blanks of ours: three stay text.
    text = BLANK_SLOT.join(re.sub(r"_{4,}", "___", piece) for piece in pieces)
    stem = to_plain(text, stem_format)
    answer = []
    for number, answers in enumerate(blanks, 1):
        label = f"第 {number} 个空：" if len(blanks) > 1 else ""
        alternatives = common.blank_alternatives(result, base.line, answers, label, base.title)
        if not alternatives:
            return None
        answer.append(alternatives)
    base.type = QuestionType.FILL
    base.stem = stem.replace(BLANK_SLOT, BLANK)
    base.answer = answer
    if base.stem.count(BLANK) != len(answer):
        result.error("完形填空题的空位无法与答案一一对应（空位标记被 HTML 结构打乱）。", base.line)
        return None
    return base


def _closing_brace(text: str, start: int) -> int | None:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == "}":
            return index
        index += 1
    return None


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _cloze_answers(body: str, text_format: str) -> list[tuple[str, Decimal]]:
    answers = []
    for item in _split_unescaped(body, "~"):
        item = item.strip()
        if not item:
            continue
        fraction = Decimal(0)
        if item.startswith("="):
            fraction, item = common.FULL, item[1:]
        else:
            weight = re.match(r"^%(-?\d+(?:\.\d+)?)%", item)
            if weight:
                fraction, item = Decimal(weight.group(1)), item[weight.end() :]
        text = _split_unescaped(item, "#")[0]
        text = _CLOZE_UNESCAPE.sub(r"\1", text)
        if text_format != PLAIN:
            text = to_plain(text, HTML) if "<" in text or "&" in text else text
        answers.append((clean_text(text), fraction))
    return answers


# Writing ------------------------------------------------------------------------------------


def _text_node(parent: ET.Element, name: str, text: str, text_format: str | None = PLAIN):
    node = ET.SubElement(parent, name)
    if text_format:
        node.set("format", text_format)
    ET.SubElement(node, "text").text = _xml_safe(text)
    return node


def _xml_safe(text: str) -> str:
    return clean_text(str(text or ""))


def _answer(parent, fraction: str, text: str, text_format: str | None = PLAIN) -> None:
    node = ET.SubElement(parent, "answer", {"fraction": fraction})
    if text_format:
        node.set("format", text_format)
    ET.SubElement(node, "text").text = _xml_safe(text)
    _text_node(node, "feedback", "", PLAIN)


def _cloze_escape(text: str) -> str:
    return re.sub(r'([}#~/"\\])', r"\\\1", text)


def _cloze_answer(text) -> str:
    # Escapes as Moodle's cloze syntax wants; a literal * would be the short-answer wildcard.
    return _cloze_escape(clean_text(str(text))).replace("*", "\\*")


def _shortanswer_escape(text: str) -> str:
    # A literal * would be Moodle's wildcard.
    return str(text).replace("*", "\\*")


def _question_element(root, question: ParsedQuestion, moodle_type: str, stem: str, used_ids):
    element = ET.SubElement(root, "question", {"type": moodle_type})
    _text_node(element, "name", question.title or question.stem[:40], None)
    _text_node(element, "questiontext", _with_material(question, stem))
    _text_node(element, "generalfeedback", question.explanation)
    score = question.score if question.score is not None else Decimal(1)
    ET.SubElement(element, "defaultgrade").text = f"{Decimal(score):f}"
    ET.SubElement(element, "penalty").text = "0"
    ET.SubElement(element, "hidden").text = "0"
    # Moodle wants an ID number unique in its category: only the first of equal titles gets one.
    if question.title and question.title not in used_ids:
        used_ids.add(question.title)
        ET.SubElement(element, "idnumber").text = _xml_safe(question.title)
    return element


def _add_tags(element, question: ParsedQuestion) -> None:
    labels = dict(common.DIFFICULTY_LABELS)
    tags = [f"{common.DIFFICULTY_TAG}：{labels.get(question.difficulty, '中')}"]
    if question.knowledge_point:
        tags.append(f"{common.KNOWLEDGE_POINT_TAG}：{question.knowledge_point}")
    if question.source_note:
        tags.append(f"{common.SOURCE_TAG}：{question.source_note}")
    node = ET.SubElement(element, "tags")
    for tag in tags:
        tag_node = ET.SubElement(node, "tag")
        ET.SubElement(tag_node, "text").text = _xml_safe(tag)


def _with_material(question: ParsedQuestion, stem: str) -> str:
    """A sub-question's text: its material, then the sub-question itself."""
    if not question.material_key:
        return stem
    return f"{MATERIAL_MARK}{question.material_text}\n\n{SUBQUESTION_MARK}{stem}"


def _category_of(question: ParsedQuestion) -> str:
    """Where a question goes: its category, or, for a sub-question, its material's category."""
    if not question.material_key:
        return question.category_path
    title = (question.material_title or "").replace("/", "／").replace("\n", " ").strip()
    name = f"{MATERIAL_CATEGORY}{question.material_key}：{title}"
    return f"{question.category_path}/{name}" if question.category_path else name


def _write_question(root, question: ParsedQuestion, used_ids: set) -> None:
    qtype = question.type
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        element = _question_element(root, question, "multichoice", question.stem, used_ids)
        single = qtype == QuestionType.SINGLE
        ET.SubElement(element, "single").text = "true" if single else "false"
        ET.SubElement(element, "shuffleanswers").text = "true"
        ET.SubElement(element, "answernumbering").text = "ABCD"
        correct = set(question.answer)
        share = "100" if single else common.moodle_fraction(len(correct))
        # Wrong picks cost the whole mark, so Moodle scores like our "partial" multiple scoring.
        wrong = "0" if single else "-100"
        for index, option in enumerate(question.options):
            _answer(element, share if index in correct else wrong, option)
    elif qtype == QuestionType.TRUE_FALSE:
        element = _question_element(root, question, "truefalse", question.stem, used_ids)
        is_true = bool(question.answer and question.answer[0])
        _answer(element, "100" if is_true else "0", "true", MOODLE)
        _answer(element, "0" if is_true else "100", "false", MOODLE)
    elif qtype == QuestionType.FILL and len(question.answer) == 1:
        element = _question_element(root, question, "shortanswer", question.stem, used_ids)
        ET.SubElement(element, "usecase").text = "0"
        for alternative in question.answer[0]:
            _answer(element, "100", _shortanswer_escape(alternative), None)
    elif qtype == QuestionType.FILL:
        parts = question.stem.split(BLANK)
        stem = parts[0]
        for alternatives, part in zip(question.answer, parts[1:], strict=False):
            choices = "~".join(f"={_cloze_answer(alt)}" for alt in alternatives)
            stem += "{1:SHORTANSWER:" + choices + "}" + part
        element = _question_element(root, question, "cloze", stem, used_ids)
    else:  # short answer → Moodle essay, key points as the grader information
        element = _question_element(root, question, "essay", question.stem, used_ids)
        for name, value in (
            ("responseformat", "editor"),
            ("responserequired", "1"),
            ("responsefieldlines", "10"),
            ("attachments", "0"),
            ("attachmentsrequired", "0"),
        ):
            ET.SubElement(element, name).text = value
        points = join_key_points("", list(question.answer))
        _text_node(element, "graderinfo", points.split("\n", 1)[1] if points else "")
        _text_node(element, "responsetemplate", "", HTML)
    _add_tags(element, question)


def export(questions: Iterable, skipped: list | None = None) -> bytes:
    """Questions (bank Question objects or ParsedQuestion) as a Moodle XML file, by category.
    Moodle XML holds every question we have: none is left out (`skipped` stays as it is)."""
    parsed = as_parsed(questions)
    root = ET.Element("quiz")
    used_ids: set[str] = set()
    # Questions without a category go first: after a category record they would land in it.
    by_category: dict[str, list[ParsedQuestion]] = {"": []}
    for question in parsed:
        by_category.setdefault(_category_of(question), []).append(question)
    for path, members in by_category.items():
        if path:
            category = ET.SubElement(root, "question", {"type": "category"})
            _text_node(category, "category", moodle_category_path(path), None)
            _text_node(category, "info", "", HTML)
        for question in members:
            _write_question(root, question, used_ids)
    ET.indent(root, space="  ")
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + ET.tostring(root, encoding="utf-8", xml_declaration=False)
        + b"\n"
    )
