"""Spreadsheets in and out: the one safe way to open an uploaded XLSX, and formula-proof cells for every CSV and XLSX we write."""

import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO
from xml.parsers import expat

import xlsxwriter
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import column_index_from_string
from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# Writing ----------------------------------------------------------------------------------------

# A cell whose text starts with one of these is a formula to Excel, WPS and LibreOffice (a CSV
# field "=HYPERLINK(…)" or "-2+3" runs when the file is opened): CSV injection.
FORMULA_STARTS = frozenset("=+-@\t\r")


def _looks_like_formula(text: str) -> bool:
    # Leading quotes are skipped, so that text which really begins with "'=" survives the
    # quote-then-unquote round trip (it is written "''=", read back "'=").
    return text.lstrip("'")[:1] in FORMULA_STARTS


def csv_cell(value):
    """A value for csv.writer: text a spreadsheet program would evaluate gets a leading single
    quote (OWASP's advice); numbers, None and other text are left as they are."""
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


def csv_text(text: str) -> str:
    """A field read back from one of our own CSV files: csv_cell undone."""
    if text[:1] == "'" and _looks_like_formula(text[1:]):
        return text[1:]
    return text


def xlsx_row(*, sheet, values: Iterable) -> list:
    """Values for sheet.append() (normal or write-only sheets): text that looks like a formula
    becomes a text cell with Excel's quotePrefix style, so it is shown and kept as typed and never
    evaluated, not even after someone edits the cell. Everything else is passed on unchanged."""
    row = []
    for value in values:
        if isinstance(value, str) and value[:1] in FORMULA_STARTS:
            # (row and column are placeholders: append() sets them)
            cell = Cell(sheet, row=1, column=1, value=value)
            cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row


# Writing large workbooks (XlsxWriter) -----------------------------------------------------------

# Formats for XlsxWriter's add_format(): the header row of every export, its title and text that
# looks like a formula (Excel's quotePrefix: shown and kept as typed, never evaluated).
TITLE_STYLE = {"bold": True, "font_size": 14}
HEADER_STYLE = {"bold": True, "pattern": 1, "fg_color": "#DDE6F0", "align": "center"}
QUOTED = {"quote_prefix": True}
# A column width of W characters as openpyxl stores it (width="W"): XlsxWriter keeps widths in
# pixels of the default font's 7-pixel digit and stores pixels / 7.
DIGIT_PIXELS = 7
# Distinct texts whose cell XML is kept while writing one block of rows (names, units, labels
# repeat on every row; the cache is emptied when it holds this many).
TEXT_CACHE_SIZE = 50_000
EXACT_INT = 2**53  # below this an int is an exact float, and "%.16G" writes its every digit


class _ColumnNames(dict):
    """0 → "A", 26 → "AA" …, made when first asked for."""

    def __missing__(self, column: int) -> str:
        name = self[column] = xl_col_to_name(column)
        return name


COLUMN_NAMES = _ColumnNames()


class RowsSheet(Worksheet):
    """An XlsxWriter worksheet (constant-memory mode) that writes blocks of plain rows about
    three times faster than cell by cell: write_rows() appends each row's XML straight to the
    sheet's row file, the same XML XlsxWriter's own write_string / write_number produce (the
    tests compare the bytes), with two differences that make it safe for any text: text that
    looks like a formula gets the quotePrefix format, and text is always escaped (XlsxWriter
    writes a string that starts with "<r>" and ends with "</r>" as raw rich-text XML)."""

    def set_widths(self, widths: Sequence[int]) -> None:
        """Column widths in characters, stored exactly as given (as openpyxl does)."""
        for column, width in enumerate(widths):
            self.set_column_pixels(column, column, width * DIGIT_PIXELS)

    def write_rows(
        self,
        *,
        first_row: int,
        rows: Iterable[Sequence],
        text_formats: tuple[Format | None, Format],
        number_formats: Sequence[Format | None] = (),
    ) -> int:
        """Rows from `first_row` (0-based) down, each a sequence of str / int / float / Decimal /
        None (an empty cell, as is ""). Text gets text_formats[0], or text_formats[1] when it
        looks like a formula; a number the format of its column in number_formats (none if the
        list is short or holds None). Returns the row after the last one written. Nothing may be
        written above that row afterwards (constant-memory mode writes rows in order)."""
        if not self.constant_memory or self.excel_version != 2007 or self.row_info:
            raise ValueError("RowsSheet.write_rows needs a plain constant-memory worksheet")
        self._write_single_row(first_row)  # what the ordinary methods wrote before, in order
        columns = COLUMN_NAMES
        number_styles = [
            f' s="{fmt._get_xf_index()}"' if fmt is not None else "" for fmt in number_formats
        ]
        plain, quoted = (
            f' s="{fmt._get_xf_index()}"' if fmt is not None else "" for fmt in text_formats
        )
        texts: dict[str, str] = {}
        write = self.fh.write
        row_number = first_row
        low, high = self.xls_colmax, -1
        written: list[int] = []  # the first and the last row written
        for values in rows:
            line = self._row_xml(
                values, row_number + 1, columns, number_styles, texts, plain, quoted
            )
            if line is not None:
                xml, first, last = line
                write(xml)
                low, high = min(low, first), max(high, last)
                written[1:] = [row_number]
            row_number += 1
            if len(texts) > TEXT_CACHE_SIZE:
                texts.clear()
        for row in written:  # the sheet's dimensions, as the ordinary methods keep them
            self._check_dimensions(row, low)
            self._check_dimensions(row, high)
        self.previous_row = row_number
        return row_number

    def _row_xml(self, values, number, columns, number_styles, texts, plain, quoted):
        """One row's <row> element and the first and last column written; None if it is empty."""
        cells = []
        first = last = -1
        styles = len(number_styles)
        for column, value in enumerate(values):
            kind = value.__class__
            if kind is str:
                if not value:
                    continue
                body = texts.get(value)
                if body is None:
                    body = texts[value] = self._text_xml(value, plain, quoted)
                cells.append(f'<c r="{columns[column]}{number}"{body}')
            elif (
                (kind is Decimal and value.is_finite())
                or kind is int
                or (kind is float and math.isfinite(value))
            ):
                style = number_styles[column] if column < styles else ""
                # XlsxWriter's "%.16G"; an int of up to 16 digits is its str() (ten times faster).
                if kind is int and -EXACT_INT < value < EXACT_INT:
                    text = str(value)
                else:
                    text = f"{value:.16G}"
                cells.append(f'<c r="{columns[column]}{number}"{style}><v>{text}</v></c>')
            elif value is None:
                continue
            else:  # NaN, infinity (XlsxWriter refuses them too), bool, date …
                raise TypeError(f"RowsSheet.write_rows: unsupported cell value {value!r}")
            if first < 0:
                first = column
            last = column
        if first < 0:
            return None
        return f'<row r="{number}">{"".join(cells)}</row>', first, last

    def _text_xml(self, text: str, plain: str, quoted: str) -> str:
        """A text cell's XML after its reference: escaped as XlsxWriter escapes inline strings."""
        style = quoted if text[:1] in FORMULA_STARTS else plain
        if len(text) > self.xls_strmax // 2 and _utf16_len(text) > self.xls_strmax:
            text = _utf16_truncate(text, self.xls_strmax)
        text = self._escape_control_characters(text)
        space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
        return f'{style} t="inlineStr"><is><t{space}>{self._escape_data(text)}</t></is></c>'


def rows_workbook(handle: IO[bytes]) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook writing to a binary file, one row in memory at a time; text is
    never turned into a formula, a number or a link. Add sheets with
    add_worksheet(title, worksheet_class=RowsSheet)."""
    return xlsxwriter.Workbook(
        handle,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )


# Reading ----------------------------------------------------------------------------------------


class SpreadsheetRefused(Exception):
    """An uploaded workbook we will not read; `message` says why in Chinese, `code` what kind."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


# The file is not a readable .xlsx at all (as opposed to one refused for its size or content).
UNREADABLE_CODES = frozenset({"encrypted", "xls", "not_xlsx", "broken", "not_workbook"})

ENCRYPTED_MESSAGE = (
    "这个 Excel 文件设置了打开密码，无法读取。请在 Excel 中取消密码"
    "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）并保存后再导入。"
)
XLS_MESSAGE = (
    "这是旧版 Excel（.xls）或其他 Office 文件，不是 .xlsx 工作簿。"
    "请在 Excel 中“另存为 → Excel 工作簿（*.xlsx）”后再导入。"
)
NOT_XLSX_MESSAGE = (
    "文件内容不是 Excel 工作簿（.xlsx）：可能是改了扩展名的其他文件。"
    "请上传用 Excel 保存的 .xlsx 文件，或按实际格式选择导入格式。"
)
BROKEN_MESSAGE = (
    "Excel 文件不完整或已损坏（可能在下载或复制时被截断），无法打开。"
    "请在 Excel 中重新保存后再导入。"
)
NOT_WORKBOOK_MESSAGE = (
    "这个压缩文件不是 Excel 工作簿（可能是 Word 文档或普通 zip 压缩包）。请上传 .xlsx 文件。"
)
BOMB_MESSAGE = (
    "Excel 文件的压缩结构异常（{why}），像是恶意构造的“压缩炸弹”，已拒绝读取。"
    "请在 Excel 中打开并另存为 .xlsx 后再上传。"
)
RESAVE = "请删除多余的内容或拆分成几个文件，在 Excel 中另存为 .xlsx 后再上传。"

ZIP_MAGIC = b"PK\x03\x04"
CENTRAL_DIRECTORY_MAGIC = b"PK\x01\x02"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Password-protected OOXML files are OLE containers holding a stream of this name (UTF-16).
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

# A workbook saved by Excel has 10–40 parts (more with many sheets or pictures).
MAX_MEMBERS = 1000
# Apache POI's rule: a part that unpacks to more than 100 KB must not be more than 100 times its
# compressed size. Real sheets compress 5–30 times; a bomb of repeated rows 300–1000 times.
MAX_RATIO = 100
RATIO_GRACE_BYTES = 100 * 1024
# openpyxl builds in memory each sheet row, each part of a sheet outside its rows (merged cells,
# validations …) and each shared string, and whole any other part (styles, relationships …):
# these bound the elements in each, and the nesting depth (Excel's parts nest about 12 deep).
MAX_SUBTREE_ELEMENTS = 20_000
MAX_SHEET_TOP_ELEMENTS = 10_000
MAX_PART_ELEMENTS = 100_000
MAX_DEPTH = 64
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, kw_only=True)
class XlsxLimits:
    """What one kind of upload may hold. Rows and columns are positions (A1 … XFD1048576), so a
    single cell far out counts as the whole range openpyxl would fill in to reach it."""

    max_file_bytes: int
    max_unpacked_bytes: int  # the sum of every part's declared unpacked size
    max_sheets: int
    max_rows: int
    max_columns: int
    max_cells: int  # cells in all sheets together (and, counted apart, shared strings)

    @property
    def max_elements(self) -> int:
        # Bounds the time the check takes: a cell is 2–8 XML elements.
        return self.max_cells * 8 + 100_000


def _refuse(message: str, code: str) -> SpreadsheetRefused:
    return SpreadsheetRefused(message, code=code)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


class _Counts:
    def __init__(self):
        self.elements = 0
        self.cells = 0
        self.sheets = 0


_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?[0-9]+")


def _column(reference: str | None, previous: int) -> int:
    match = _CELL_REFERENCE.fullmatch(reference or "")
    if match is None:
        return previous + 1  # openpyxl counts on, as we do; a bad reference fails there
    try:
        return column_index_from_string(match.group(1).upper())
    except ValueError:
        return previous + 1


class _PartScan:
    """One part of the zip streamed through expat, counting what openpyxl would build from it
    (nothing is kept: memory stays flat however large the part is)."""

    def __init__(self, *, limits: XlsxLimits, counts: _Counts):
        self.limits = limits
        self.counts = counts
        self.path: list[str] = []
        self.kind = ""  # the root element: worksheet, sst, workbook or another part
        self.part_elements = 0
        self.top_elements = 0
        self.subtree_depth = 0  # the depth of the element whose subtree is being counted
        self.subtree_elements = 0
        self.rows = 0
        self.row = 0
        self.column = 0
        self.row_cells = 0
        parser = expat.ParserCreate(namespace_separator="}")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.EntityDeclHandler = self.entity
        self.parser = parser

    def feed(self, data: bytes, *, final: bool = False) -> None:
        self.parser.Parse(data, final)

    def entity(self, *args) -> None:
        # Excel never declares XML entities; a declaration is an expansion attack.
        raise _refuse(
            "Excel 文件中含有 XML 实体声明（Excel 不会这样保存），已拒绝读取。"
            "请在 Excel 中另存为 .xlsx 后再上传。",
            "entities",
        )

    def start(self, name: str, attributes: dict) -> None:
        local = name.rpartition("}")[2]
        depth = len(self.path) + 1
        self.path.append(local)
        self.counts.elements += 1
        self.part_elements += 1
        if self.counts.elements > self.limits.max_elements or depth > MAX_DEPTH:
            raise _refuse(f"Excel 文件的内容过于复杂，已拒绝读取。{RESAVE}", "part")
        if depth == 1:
            self.kind = local
            return
        if self.kind not in ("worksheet", "sst") and self.part_elements > MAX_PART_ELEMENTS:
            raise _refuse(
                f"Excel 文件中的格式或附加信息过多，已拒绝读取。{RESAVE}",
                "part",
            )
        if self.subtree_depth:
            self.subtree_elements += 1
            if self.subtree_elements > MAX_SUBTREE_ELEMENTS:
                raise _refuse(
                    f"Excel 文件中某一行或某一部分的内容过于复杂，已拒绝读取。{RESAVE}", "part"
                )
        if self.kind == "worksheet":
            self._worksheet(local, depth, attributes)
        elif self.kind == "sst":
            if depth == 2:  # one shared string
                self._begin_subtree(depth)
                self.top_elements += 1
                if self.top_elements > self.limits.max_cells:
                    raise self._too_many_cells()
        elif self.kind == "workbook" and local == "sheet" and self.path[1:2] == ["sheets"]:
            self.counts.sheets += 1
            if self.counts.sheets > self.limits.max_sheets:
                raise _refuse(
                    f"工作簿中的工作表超过 {self.limits.max_sheets} 个，已拒绝读取。"
                    "请只保留要上传的工作表。",
                    "sheets",
                )

    def _begin_subtree(self, depth: int) -> None:
        self.subtree_depth = depth
        self.subtree_elements = 1

    def _too_many_cells(self) -> SpreadsheetRefused:
        return _refuse(
            f"表格中的单元格超过 {self.limits.max_cells:,} 个，已拒绝读取。{RESAVE}", "cells"
        )

    def _worksheet(self, local: str, depth: int, attributes: dict) -> None:
        limits = self.limits
        if depth == 2:
            self.top_elements += 1
            if self.top_elements > MAX_SHEET_TOP_ELEMENTS:
                raise _refuse(f"工作表中的附加信息过多，已拒绝读取。{RESAVE}", "part")
            if local != "sheetData":
                self._begin_subtree(depth)
        elif depth == 3 and self.path[1] == "sheetData":
            self._begin_subtree(depth)
            if local == "row":
                self.rows += 1
                number = attributes.get("r", "")
                self.row = int(number) if number.isdigit() else self.row + 1
                self.column = 0
                self.row_cells = 0
                if self.row > limits.max_rows or self.rows > limits.max_rows:
                    raise _refuse(
                        f"表格超过 {limits.max_rows:,} 行（含空行），已拒绝读取。{RESAVE}",
                        "rows",
                    )
        elif depth == 4 and local == "c" and self.path[1:3] == ["sheetData", "row"]:
            self.column = _column(attributes.get("r"), self.column)
            self.row_cells += 1
            self.counts.cells += 1
            if self.column > limits.max_columns or self.row_cells > limits.max_columns:
                raise _refuse(
                    f"表格超过 {limits.max_columns} 列，已拒绝读取。{RESAVE}",
                    "columns",
                )
            if self.counts.cells > limits.max_cells:
                raise self._too_many_cells()

    def end(self, name: str) -> None:
        if len(self.path) == self.subtree_depth:
            self.subtree_depth = 0
        self.path.pop()


def _is_xml(head: bytes) -> bool:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    head = head.lstrip(b" \t\r\n\x00")
    return head.startswith(b"<")


def _scan(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: XlsxLimits) -> None:
    """Every XML part streamed and counted before openpyxl reads any (openpyxl parses each
    sheet once already when it opens the workbook, building every row of a sheet that does not
    state its size). Parts that are not XML (pictures) are never parsed by openpyxl."""
    counts = _Counts()
    for info in infos:
        if info.is_dir():
            continue
        with archive.open(info) as stream:
            chunk = stream.read(CHUNK_BYTES)
            if not _is_xml(chunk):
                continue
            scan = _PartScan(limits=limits, counts=counts)
            while chunk:
                scan.feed(chunk)
                chunk = stream.read(CHUNK_BYTES)
            scan.feed(b"", final=True)


def open_xlsx(*, data: bytes, limits: XlsxLimits) -> "XlsxBook":
    """An uploaded .xlsx, opened with openpyxl (read-only, formulas as written) only after its
    size, its zip directory (declared sizes, member count, compression ratios) and every XML part
    (sheets, rows, columns, cells, shared strings, nesting, entities) passed `limits`.
    SpreadsheetRefused, with a Chinese message, for anything else."""
    if len(data) > limits.max_file_bytes:
        raise _refuse(
            f"文件太大：不能超过 {_mb(limits.max_file_bytes)}。请拆分成几个文件分批上传。",
            "too_large",
        )
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise _refuse(ENCRYPTED_MESSAGE, "encrypted")
        raise _refuse(XLS_MESSAGE, "xls")
    if not data.startswith(ZIP_MAGIC):
        raise _refuse(NOT_XLSX_MESSAGE, "not_xlsx")
    # zipfile reads the whole central directory into objects when it opens the archive: count
    # its entries first (every entry starts with this signature, so this is an upper bound).
    if data.count(CENTRAL_DIRECTORY_MAGIC) > MAX_MEMBERS:
        raise _refuse(BOMB_MESSAGE.format(why=f"超过 {MAX_MEMBERS} 个压缩成员"), "bomb")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "xl/workbook.xml" not in names:
                raise _refuse(NOT_WORKBOOK_MESSAGE, "not_workbook")
            if any(info.flag_bits & 0x1 for info in infos):
                raise _refuse(BROKEN_MESSAGE, "broken")  # zip-level encryption: not from Excel
            # The declared sizes: zipfile never unpacks more than a part declares (it stops,
            # and the checksum then fails), so these bound what reading can produce.
            unpacked = sum(info.file_size for info in infos)
            if unpacked > limits.max_unpacked_bytes:
                raise _refuse(
                    f"Excel 文件解压后过大（{_mb(unpacked)}，上限 "
                    f"{_mb(limits.max_unpacked_bytes)}），不像是正常的表格文件，已拒绝读取。"
                    f"{RESAVE}",
                    "unpacked",
                )
            for info in infos:
                if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_RATIO * max(
                    info.compress_size, 1
                ):
                    raise _refuse(BOMB_MESSAGE.format(why="压缩比过高"), "bomb")
            _scan(archive, infos, limits)
    except SpreadsheetRefused:
        raise
    except Exception:  # BadZipFile, zlib.error, ExpatError, a bad CRC, an unknown compression …
        raise _refuse(BROKEN_MESSAGE, "broken") from None
    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception:  # openpyxl raises many kinds of error on a damaged file
        raise _refuse(BROKEN_MESSAGE, "broken") from None
    if len(workbook.sheetnames) > limits.max_sheets:
        workbook.close()
        raise _refuse(
            f"工作簿中的工作表超过 {limits.max_sheets} 个，已拒绝读取。请只保留要上传的工作表。",
            "sheets",
        )
    return XlsxBook(workbook)


class XlsxSheet:
    """One worksheet of an opened upload."""

    def __init__(self, sheet):
        self._sheet = sheet
        self.title: str = sheet.title

    def rows(self, *, refuse_formulas: bool = True) -> Iterator[tuple[int, tuple]]:
        """(row number from 1, openpyxl read-only cells) for every row as stored, not padded to
        the size the sheet claims. A formula cell is refused with SpreadsheetRefused unless the
        caller reports formula cells itself (refuse_formulas=False: a formula cell comes with
        data_type "f" and its formula text, never a computed value)."""
        sheet = self._sheet
        try:
            sheet.reset_dimensions()
            for line, cells in enumerate(sheet.iter_rows(), start=1):
                if refuse_formulas:
                    for cell in cells:
                        if getattr(cell, "data_type", None) == "f":
                            raise _refuse(
                                f"工作表“{self.title}”的 {cell.coordinate} 单元格是公式："
                                "系统不计算公式。请复制后“选择性粘贴 → 数值”再上传。",
                                "formula",
                            )
                yield line, cells
        except SpreadsheetRefused:
            raise
        except Exception:  # a damaged part of the file shows up only while its rows are read
            raise _refuse(BROKEN_MESSAGE, "broken") from None


class XlsxBook:
    """An opened upload (read-only); close it, or use it in a with block."""

    def __init__(self, workbook):
        self._workbook = workbook

    @property
    def sheets(self) -> list[XlsxSheet]:
        return [XlsxSheet(sheet) for sheet in self._workbook.worksheets]

    @property
    def active(self) -> XlsxSheet | None:
        """The sheet Excel shows first (the first worksheet if that is a chart)."""
        sheet = self._workbook.active
        if sheet not in self._workbook.worksheets:
            sheet = next(iter(self._workbook.worksheets), None)
        return XlsxSheet(sheet) if sheet is not None else None

    def close(self) -> None:
        self._workbook.close()

    def __enter__(self) -> "XlsxBook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
