"""Admin forms of the knowledge base: key points written one per line in the key-point syntax."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from portal.thesaurus.keypoints import (
    KEY_POINT_HELP,
    key_points_problems,
    match_points,
    read_key_point,
    write_key_point,
)
from portal.thesaurus.selectors import current_thesaurus


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


class QAItemForm(WagtailAdminModelForm):
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
