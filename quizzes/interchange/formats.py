"""The file formats we read and write, and how a file's format is recognised.

Every reader is `reader(data: bytes) -> ParseResult` and may raise FileRejected; every writer is
`writer(questions, skipped=None) -> bytes`. Each format names its reader and writer directly, so
a missing one fails at start-up, not silently.
"""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from . import aiken, gift, moodle_xml
from .base import FileRejected, ParseResult, check_size
from .spreadsheet import reader as sheet_reader
from .spreadsheet import writer as sheet_writer

logger = logging.getLogger(__name__)


Reader = Callable[[bytes], ParseResult]
Writer = Callable[
    ..., bytes
]  # writer(questions, skipped=None): skipped collects what it leaves out


@dataclass(frozen=True)
class FileFormat:
    key: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    reader: Reader | None
    writer: Writer | None

    @property
    def can_read(self) -> bool:
        return self.reader is not None

    @property
    def can_write(self) -> bool:
        return self.writer is not None


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_TYPE = "text/plain; charset=utf-8"

FORMATS: dict[str, FileFormat] = {
    spec.key: spec
    for spec in (
        FileFormat(
            "xlsx",
            "Excel 工作簿（.xlsx）",
            (".xlsx",),
            XLSX_TYPE,
            sheet_reader.read_xlsx,
            sheet_writer.export_xlsx,
        ),
        FileFormat(
            "csv",
            "CSV（.csv）",
            (".csv",),
            "text/csv; charset=utf-8",
            sheet_reader.read_csv,
            sheet_writer.export_csv,
        ),
        FileFormat(
            "moodlexml",
            "Moodle XML（.xml）",
            (".xml",),
            "application/xml",
            moodle_xml.parse,
            moodle_xml.export,
        ),
        FileFormat(
            "gift", "GIFT（.gift / .txt）", (".gift", ".txt"), TEXT_TYPE, gift.parse, gift.export
        ),
        FileFormat("aiken", "Aiken（.txt）", (".txt",), TEXT_TYPE, aiken.parse, None),
    )
}
AUTO = "auto"
EXPORT_FORMATS = ["xlsx", "csv", "moodlexml", "gift"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*[A-Za-z]\s*$", re.MULTILINE)
AIKEN_OPTION = re.compile(r"^\s*[A-Z]\s*[.)]\s+\S", re.MULTILINE)
GIFT_QUESTION = re.compile(r"(^|\n)\s*(::[^\n]*::)?[^\n{}]*\{[^}]*\}", re.DOTALL)
SPREADSHEET_HEADER = re.compile(r"题型|题目类型|试题类型")
GIFT_CATEGORY = re.compile(r"^\s*\$CATEGORY:", re.MULTILINE)
GIFT_ANSWER_START = re.compile(r"\{\s*(=|~|T\b|F\b|TRUE|FALSE|#|\})")


def _head_text(data: bytes) -> str:
    head = data[: 64 * 1024]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError:
            continue
    return head.decode("utf-8", errors="ignore")


def sniff(data: bytes) -> str:
    """The format the content looks like (never the file name)."""
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return "xlsx"
    text = _head_text(data).lstrip("\ufeff \t\r\n")
    if text.startswith("<?xml") or text.startswith("<quiz"):
        return "moodlexml"
    first_line = text.split("\n", 1)[0]
    if SPREADSHEET_HEADER.search(first_line) and ("," in first_line or "\t" in first_line):
        return "csv"
    if AIKEN_ANSWER.search(text) and AIKEN_OPTION.search(text):
        return "aiken"
    # A GIFT file may hold only essays ("…{}") or only $CATEGORY: lines.
    if GIFT_CATEGORY.search(text) or (
        GIFT_QUESTION.search(text) and ("::" in text or GIFT_ANSWER_START.search(text))
    ):
        return "gift"
    return "csv"


def detect_format(data: bytes, filename: str = "") -> str:
    """The file's format, by content first; FileRejected if its name says something else."""
    head = data[:8192]
    if b"\x00" in head and not head.startswith((ZIP_MAGIC, OLE_MAGIC, *UTF16_BOMS)):
        raise FileRejected(
            "文件内容不是题库文件（像是图片、压缩包或其他二进制文件）。"
            "请上传 .xlsx、.csv、.xml 或 .txt 文件。"
        )
    found = sniff(data)
    suffix = PurePath(filename or "").suffix.lower()
    named = [key for key, spec in FORMATS.items() if suffix in spec.extensions]
    if not named or found in named:
        return found
    if suffix == ".txt":
        return found  # plain text: GIFT, Aiken or CSV alike
    said = FORMATS[named[0]].label
    looks = {
        "xlsx": "Excel 或其他 Office 文件",
        "moodlexml": "XML 文件",
        "csv": "文本（CSV）文件",
        "gift": "GIFT 文本",
        "aiken": "Aiken 文本",
    }[found]
    raise FileRejected(
        f"文件名“{PurePath(filename).name}”表明是{said}，但内容看起来是{looks}。"
        "请检查是否选错了文件，或改正扩展名后再导入。"
    )


def read_file(data: bytes, filename: str = "", format: str = AUTO) -> ParseResult:  # noqa: A002
    """Parse an uploaded file; FileRejected (one Chinese message) if it cannot be read at all."""
    check_size(len(data))
    if not data.strip():
        raise FileRejected("文件是空的。")
    key = detect_format(data, filename) if format == AUTO else format
    spec = FORMATS.get(key)
    if spec is None or not spec.can_read:
        raise FileRejected(f"暂不支持导入这种格式：{key}。")
    try:
        return spec.reader(data)
    except FileRejected:
        raise
    except Exception:
        # A reader bug must not become a server error or a half-read import; it is logged.
        logger.exception("question file reader %s failed on %s", key, filename)
        raise FileRejected(
            f"文件无法按{spec.label}读取：内容不完整或格式有误。请检查文件后重新导入。"
        ) from None


def write_file(questions: Iterable, format: str, skipped: list | None = None) -> bytes:  # noqa: A002
    """The questions in `format`; those the format cannot hold are appended to `skipped` (a
    writer that can leave questions out, like GIFT, takes that list)."""
    spec = FORMATS[format]
    if not spec.can_write:
        raise ValueError(f"不能导出为 {format}")
    return spec.writer(questions, skipped=skipped)
