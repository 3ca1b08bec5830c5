"""A file like the import template but with the editor's own questions: the template's examples
with each stem marked as the unit's own (the template's own example rows are skipped on import)."""

from dataclasses import replace

from quizzes.interchange.spreadsheet.template import EXAMPLES
from quizzes.interchange.spreadsheet.writer import export_csv, workbook_bytes

MARK = "【本单位】"
QUESTIONS = [replace(example, stem=MARK + example.stem) for example in EXAMPLES]


def sample_xlsx() -> bytes:
    return workbook_bytes(QUESTIONS)


def sample_csv() -> bytes:
    return export_csv(QUESTIONS)
