"""Case-analysis materials in question files: gathering the questions that name a material into
one ParsedMaterial each (a spreadsheet's rows sharing a 材料编号, a Moodle category named after the
material), and checking each material. Shared by the readers; no database access.

A spreadsheet may also declare a material on a row of its own (材料编号 and 材料 filled, no
question): `declare` keeps it, so a material left without sub-questions is reported, not lost.
"""

from ..bank.choices import MAX_SUBQUESTIONS
from .base import ParsedMaterial, ParsedQuestion, ParseResult

MATERIAL_TEXT_MAX = 5000
MATERIAL_TITLE_MAX = 100


def declare(result: ParseResult, *, key: str, text: str, title: str, line: int | None) -> None:
    """A row that names a material and gives its text but holds no question."""
    material = _find(result, key)
    if material is None:
        result.materials.append(ParsedMaterial(key=key, text=text, title=title, line=line))
        return
    _take_text(result, material, text, title, line)


def _find(result: ParseResult, key: str) -> ParsedMaterial | None:
    return next((m for m in result.materials if m.key == key), None)


def _take_text(result: ParseResult, material: ParsedMaterial, text: str, title: str, line) -> None:
    if text:
        if not material.text:
            material.text = text
        elif text != material.text:
            result.error(
                f"材料编号“{material.key}”的“材料”文字与第 {material.line} 行的不同："
                "同一材料的各行要么留空，要么填写完全相同的材料文字。",
                line,
            )
    if title:
        if not material.title:
            material.title = title
        elif title != material.title:
            result.error(
                f"材料编号“{material.key}”的“材料标题”与第 {material.line} 行的不同。", line
            )


def gather(result: ParseResult, *, where: str = "材料编号") -> None:
    """Move every question that names a material out of `result.questions` into its material
    (in the order read), then check each material: it has sub-questions, it has its text, the
    text and title are not too long, at most six sub-questions. Every problem names its line."""
    single = []
    for question in result.questions:
        if not question.material_key:
            single.append(question)
            continue
        material = _find(result, question.material_key)
        if material is None:
            material = ParsedMaterial(key=question.material_key, line=question.line)
            result.materials.append(material)
        elif material.line is None:
            material.line = question.line
        _take_text(result, material, question.material_text, question.material_title, question.line)
        material.questions.append(question)
    result.questions = single
    for material in result.materials:
        _check(result, material, where)


def _check(result: ParseResult, material: ParsedMaterial, where: str) -> None:
    line = material.line
    if not material.questions:
        result.error(
            f"材料“{material.key}”没有小题：请在后面的行中填写它的小题（{where}填“{material.key}”）。",
            line,
        )
    if not material.text.strip():
        result.error(
            f"{where}为“{material.key}”的各行都没有填写“材料”：请在该材料的第一行填写材料文字。",
            line,
        )
    elif len(material.text) > MATERIAL_TEXT_MAX:
        result.error(f"材料“{material.key}”超过 {MATERIAL_TEXT_MAX} 个字。", line)
    if len(material.title) > MATERIAL_TITLE_MAX:
        result.error(f"材料“{material.key}”的标题最多 {MATERIAL_TITLE_MAX} 个字。", line)
    if len(material.questions) > MAX_SUBQUESTIONS:
        result.error(
            f"材料“{material.key}”有 {len(material.questions)} 道小题，一份材料最多 "
            f"{MAX_SUBQUESTIONS} 道。",
            line,
        )
    paths = {question.category_path for question in material.questions}
    if len(paths) > 1:
        result.warn(
            f"材料“{material.key}”各小题的分类不同：小题都按材料第一行的分类"
            f"“{material.category_path or '（导入时选择的分类）'}”导入。",
            line,
        )


def material_fields(question: ParsedQuestion, first_of_material: bool) -> tuple[str, str, str]:
    """What a writer puts in the material columns of a question's row: its material's key on
    every row, the title and text only on the material's first row."""
    if not question.material_key:
        return "", "", ""
    if not first_of_material:
        return question.material_key, "", ""
    return question.material_key, question.material_title, question.material_text
