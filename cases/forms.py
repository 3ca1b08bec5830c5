from django import forms
from wagtail.admin.forms import WagtailAdminModelForm


class KeyPointsField(forms.CharField):
    """Key points edited as one phrase per line, stored as a JSON list."""

    widget = forms.Textarea(attrs={"rows": 6})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class QAItemForm(WagtailAdminModelForm):
    key_points = KeyPointsField(
        label="答题要点", help_text="每行一个要点；每个要点应是答案中出现的短语。"
    )

    def clean(self):
        cleaned = super().clean()
        answer = cleaned.get("answer") or ""
        points = cleaned.get("key_points") or []
        if not points:
            self.add_error("key_points", "至少填写一个答题要点。")
        missing = [point for point in points if point not in answer]
        if missing:
            self.add_error("key_points", "以下要点没有出现在答案中：" + "、".join(missing))
        return cleaned
