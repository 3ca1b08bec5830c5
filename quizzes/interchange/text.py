"""Text helpers shared by the Moodle-format readers and writers (XML, GIFT, Aiken).

Our question bank stores plain text. Moodle stores each text with a format (html, moodle auto
format, plain text, markdown); these functions turn any of them into our plain text, and decide
how our plain text has to be written so that Moodle and our own reader read it back unchanged.
"""

import html
import re
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

from portal.thesaurus.keypoints import read_key_point, write_key_point

from ..bank.answers import BLANK
from .base import FileRejected, ParseResult, check_size

# Moodle's format names as XML attributes and as GIFT [markers].
HTML = "html"
MOODLE = "moodle_auto_format"
PLAIN = "plain_text"
MARKDOWN = "markdown"
GIFT_FORMATS = {"html": HTML, "moodle": MOODLE, "plain": PLAIN, "markdown": MARKDOWN}

# Tags after which a reader sees a new line.
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p",
    "pre", "section", "table", "tr", "ul",
}  # fmt: skip
_INVISIBLE_TAGS = {"script", "style", "head", "title", "template"}
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
# Inside <pre>, line breaks and spaces stand in as private-use characters until the other text's
# blank space has been folded, so the block keeps its lines and indentation.
_PRE_NEWLINE = "\ue011"
_PRE_SPACE = "\ue012"
_PRE_TAB = "\ue013"
# Characters XML 1.0 cannot carry (and PostgreSQL text cannot hold NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Leading enumeration of a key point line: "1.", "1、", "(1)", "-", "•".
_ENUMERATION = re.compile(r"^\s*(?:\d{1,3}\s*[.．、)）]|[(（]\d{1,3}[)）]|[-*•·])\s*")
KEY_POINTS_HEADING = "答题要点："
_KEY_POINTS_HEADING = re.compile(r"^\s*答题要点\s*[:：]\s*$", re.MULTILINE)
BLANK_RUN = re.compile(r"_{3,}")
# Private-use character standing for "the answer goes here" while a text is converted.
BLANK_SLOT = "\ue010"
# Moodle question-bank contexts that start an exported category path.
_CONTEXT_PREFIX = re.compile(r"^\$[a-z]+\$$")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.pre_depth = 0
        self.images = 0

    def handle_starttag(self, tag, attrs):
        if tag == "pre":
            self.pre_depth += 1
        if tag in _INVISIBLE_TAGS:
            self.hidden_depth += 1
        elif tag == "br" and self.pre_depth:
            self.parts.append(_PRE_NEWLINE)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "img":
            self.images += 1

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and self.pre_depth:
            self.parts.append(_PRE_NEWLINE)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "img":
            self.images += 1

    def handle_endtag(self, tag):
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        if tag in _INVISIBLE_TAGS:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.hidden_depth:
            return
        if self.pre_depth:
            data = data.replace("\r\n", "\n").replace("\n", _PRE_NEWLINE)
            self.parts.append(data.replace(" ", _PRE_SPACE).replace("\t", _PRE_TAB))
        else:
            self.parts.append(_SPACES.sub(" ", data))


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities unescaped, one line per block."""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:  # HTMLParser is lenient; never let odd markup stop an import
        return clean_text(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    lines = [line.strip() for line in "".join(extractor.parts).split("\n")]
    text = "\n".join(line for line in lines if line).strip()
    return text.replace(_PRE_NEWLINE, "\n").replace(_PRE_SPACE, " ").replace(_PRE_TAB, "\t")


def count_images(markup: str) -> int:
    return len(re.findall(r"<img\b", markup, flags=re.IGNORECASE))


def clean_text(text: str) -> str:
    """Plain text as we store it: no control characters, no surrounding blank space."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def to_plain(text: str, text_format: str) -> str:
    """A Moodle text in `text_format` as our plain text."""
    text_format = (text_format or MOODLE).lower()
    if text_format in (PLAIN, "plain", MARKDOWN, "markdown"):
        return clean_text(text)
    if text_format in (HTML, "html"):
        return clean_text(html_to_text(text))
    # Moodle auto-format (and anything unknown): HTML allowed, and line breaks are kept.
    return clean_text(html_to_text(clean_text(text).replace("\n", "<br>")))


def survives_moodle_format(text: str) -> bool:
    """Whether plain `text` reads back unchanged when a reader treats it as Moodle auto-format."""
    return to_plain(text, MOODLE) == text


def file_bytes(data) -> bytes:
    """The uploaded content as bytes, refused (size, type) before any parsing."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FileRejected("文件内容无法读取。")
    check_size(len(data))
    return bytes(data)


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str: UTF-8 (with or without BOM), else GB18030 (Chinese Windows)."""
    data = file_bytes(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise FileRejected(
                "文件中含有空字符，看起来不是文本文件（请另存为 UTF-8 编码的文本）。"
            )
        return text
    raise FileRejected("无法识别文件的字符编码，请另存为 UTF-8 编码后再导入。")


def category_path(moodle_path: str) -> str:
    """Moodle's `$course$/top/A/B` as our `A/B`; `//` inside a Moodle name is a literal slash."""
    text = clean_text(moodle_path)
    names = [name.replace("\0", "／").strip() for name in text.replace("//", "\0").split("/")]
    names = [name for name in names if name]
    if names and _CONTEXT_PREFIX.match(names[0]):
        names = names[1:]
        # Moodle 3.5+ exports the context's invisible root category as "top".
        if names and names[0] == "top":
            names = names[1:]
    return "/".join(names)


def moodle_category_path(path: str) -> str:
    return "$course$/" + "/".join(name.replace("/", "//") for name in path.split("/"))


def split_key_points(feedback: str) -> tuple[str, list[str]]:
    """General feedback written by our exporter: explanation, then "答题要点：" and one per line."""
    headings = list(_KEY_POINTS_HEADING.finditer(feedback))
    if not headings:
        return feedback, []
    last = headings[-1]
    return feedback[: last.start()].strip(), key_points_from_lines(feedback[last.end() :])


def key_points_from_lines(text: str) -> list:
    """Key points one per line, as join_key_points wrote them ("… ×2" keeps its weight)."""
    points = []
    for line in text.split("\n"):
        line = _ENUMERATION.sub("", line).strip()
        if line:
            try:
                points.append(read_key_point(line))
            except ValueError:
                points.append(line)  # the answer check names it with its line
    return points


def join_key_points(explanation: str, points: list) -> str:
    # One line per point: a line break inside a point becomes a space.
    lines = [
        f"{n}. {clean_text(write_key_point(point)).replace(chr(10), ' ')}"
        for n, point in enumerate(points, 1)
    ]
    block = KEY_POINTS_HEADING + "\n" + "\n".join(lines) if lines else ""
    return "\n".join(part for part in (explanation.strip(), block) if part)


def parse_score(raw: str, result: ParseResult, line: int | None, where: str) -> Decimal | None:
    """Moodle's default mark as our score (max 999.99, two decimals); None keeps our default."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        result.error(f"分值“{raw[:20]}”不是数字。", line, where)
        return None
    if not value.is_finite() or value <= 0:
        result.warn(f"分值“{raw[:20]}”不是正数，已按本平台默认分值导入。", line, where)
        return None
    rounded = value.quantize(Decimal("0.01"))
    if rounded > Decimal("999.99"):
        result.error(f"分值 {raw[:20]} 超过上限 999.99。", line, where)
        return None
    if rounded != value:
        result.warn(f"分值 {raw[:20]} 已四舍五入为 {rounded}。", line, where)
    return rounded


def place_single_blank(text: str) -> tuple[str, bool]:
    """A one-blank fill stem from Moodle text: (stem, whether we had to add the blank ourselves).

    Moodle short-answer questions have one blank; their text often marks it with underscores.
    `BLANK_SLOT` marks where the file put the answer (GIFT's missing-word form); else the first
    run of underscores (four or more preferred) is the blank, written as exactly BLANK; else one
    is added at the end. Other runs of four or more underscores would count as blanks in our
    model, so they become three.
    """
    if BLANK_SLOT in text:
        head, _, tail = text.partition(BLANK_SLOT)
        tail = tail.replace(BLANK_SLOT, "")
        return (_neutralise(head) + BLANK + _neutralise(tail)).strip(), False
    runs = list(BLANK_RUN.finditer(text))
    long_runs = [run for run in runs if len(run.group()) >= len(BLANK)]
    chosen = (long_runs or runs or [None])[0]
    if chosen is not None:
        head, tail = text[: chosen.start()], text[chosen.end() :]
        return (_neutralise(head) + BLANK + _neutralise(tail)).strip(), False
    return text.rstrip() + BLANK if text.strip() else BLANK, True


def _neutralise(text: str) -> str:
    return re.sub(r"_{4,}", "___", text)
