"""Admin forms of the knowledge base: key points written one per line in the key-point syntax."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.pages import WagtailAdminPageForm
from wagtail.blocks import StreamBlockValidationError

from portal.thesaurus.keypoints import (
    KEY_POINT_HELP,
    key_points_problems,
    match_points,
    read_key_point,
    write_key_point,
)
from portal.thesaurus.selectors import current_thesaurus

from .quote_check import quote_problem


class SourcedItemForm(WagtailAdminModelForm):
    """A rule item or Q&A item: its quote must be found in its source document when saved."""

    def clean(self):
        cleaned = super().clean()
        if "quote" in self.fields and not self.has_error("quote"):
            source = cleaned.get("source")
            problem = quote_problem(quote=cleaned.get("quote") or "", source=source)
            if problem:
                self.add_error("source" if source is None else "quote", problem)
        return cleaned


class RuleItemForm(SourcedItemForm):
    pass


def _case_quotes(body) -> list[tuple[str, str]]:
    """(where, quote) of each section and violated clause of a case's body."""
    found = []
    for number, block in enumerate(body or [], 1):
        if block.block_type == "violations":
            for clause_number, clause in enumerate(block.value["clauses"], 1):
                found.append((f"第 {number} 段第 {clause_number} 条", clause.get("quote") or ""))
        else:
            found.append((f"第 {number} 段", block.value.get("quote") or ""))
    return found


class CasePageForm(WagtailAdminPageForm):
    """A case page: every section's and violated clause's quote must be found in its source."""

    def clean(self):
        cleaned = super().clean()
        source, body = cleaned.get("source"), cleaned.get("body")
        if source is None or body is None:
            return cleaned
        problems = [
            f"{where}：{problem}"
            for where, quote in _case_quotes(body)
            if (problem := quote_problem(quote=quote, source=source))
        ]
        if problems:
            self.add_error(
                "body",
                StreamBlockValidationError(
                    non_block_errors=ErrorList([ValidationError(p) for p in problems])
                ),
            )
        return cleaned


class KeyPointsField(forms.CharField):
    """Key points edited one per line ("道歉|致歉", "35kV及以上 + 半年|6个月", "… ×2"), stored as a
    JSON list (a weighted point as {"point", "weight"})."""

    widget = forms.Textarea(attrs={"rows": 6})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(write_key_point(point) for point in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        points = []
        for line in text.splitlines():
            if line.strip():
                try:
                    points.append(read_key_point(line))
                except ValueError as error:
                    raise forms.ValidationError(str(error)) from None
        return points


class QAItemForm(SourcedItemForm):
    key_points = KeyPointsField(label="答题要点", help_text=KEY_POINT_HELP)

    def clean(self):
        cleaned = super().clean()
        points = cleaned.get("key_points")
        if points is None:
            return cleaned
        thesaurus = current_thesaurus()
        problems = key_points_problems(points, thesaurus)
        for problem in problems:
            self.add_error("key_points", problem)
        answer = cleaned.get("answer") or ""
        if not problems and answer:
            # The model answer must earn every point: a point it does not contain is garbled.
            missed = [m.point for m in match_points(answer, points, thesaurus) if not m.matched]
            if missed:
                self.add_error(
                    "key_points", "以下要点与答案不符（答案本身答不到）：" + "、".join(missed)
                )
        return cleaned
