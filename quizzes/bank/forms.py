"""The question editor's forms in the Wagtail admin.

Editors type answers the way a printed paper shows them ("ACD", 对/错, one line per blank with
"|" between alternatives, one key point per line): quizzes.bank.answers reads and checks them.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from cases.models import CasePage, QAItem, RuleItem, SourceDocument
from cases.quote_check import quote_problem

from .answers import BLANK, LETTERS, format_answer, parse_answer, validate_answer_key
from .choices import QuestionType
from .models import Question, QuestionCategory, in_category_condition

# "A. 文字", "B、文字", "C：文字" … as pasted from a paper: the letters are dropped.
LETTERED_OPTION = re.compile(r"^\s*([A-Ha-h])\s*[.．、:：)）]\s*")


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class LinesField(forms.CharField):
    """A JSON list of strings edited as one item per line (blank lines are ignored)."""

    def __init__(self, *args, rows: int = 5, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value):
        return split_lines(super().to_python(value))


def strip_option_letters(options: list[str]) -> list[str]:
    """Drop "A." … prefixes, but only when every line has them, in order A, B, C …"""
    matches = [LETTERED_OPTION.match(option) for option in options]
    if options and all(
        match and match.group(1).upper() == LETTERS[i] for i, match in enumerate(matches)
    ):
        return [
            option[match.end() :].strip() for option, match in zip(options, matches, strict=True)
        ]
    return options


ANSWER_HELP = (
    "单选题、多选题填选项字母，如 B 或 ACD；判断题填“对”或“错”；"
    "填空题每行一个空，同一个空的几种可接受写法用 | 隔开，如“3 | 三”；"
    "简答题每行一个答题要点（阅卷时按要点给分）。"
)


class QuestionForm(WagtailAdminModelForm):
    options = LinesField(
        label="选项",
        rows=6,
        help_text="单选、多选题每行一个选项，不要写 A. B.（粘贴的 A. B. 前缀会自动去掉）；"
        "其他题型留空。",
    )
    answer = forms.CharField(
        label="正确答案",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=ANSWER_HELP,
        error_messages={"required": "请填写正确答案。"},
    )

    class Meta:
        model = Question
        fields = [
            "code",
            "type",
            "status",
            "usage",
            "category",
            "difficulty",
            "default_score",
            "knowledge_point",
            "stem",
            "options",
            "answer",
            "explanation",
            "rules",
            "qa_items",
            "cases",
            "source",
            "quote",
            "note",
            "blanks_unordered",
            "retire_reason",
        ]
        labels = {"note": "编者按", "blanks_unordered": "各空不分顺序", "retire_reason": "停用原因"}
        help_texts = {
            "note": "考生在练习反馈和成绩回顾中可见：题目与原文不同之处、来源冲突等。",
            "blanks_unordered": "仅填空题：勾选后几个空的答案可以任意顺序填写（如“设计、施工”）。",
            "retire_reason": "状态为“停用”时填写原因（如“原文有误”“已不再适用”），便于日后查阅。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.answer is not None and not self.is_bound:
            self.initial["answer"] = format_answer(instance.type, instance.answer)
        # Each choice label names its rule set: fetch those with the items, not one by one.
        if "rules" in self.fields:
            self.fields["rules"].queryset = RuleItem.objects.select_related("rule_set")
        if "qa_items" in self.fields:
            self.fields["qa_items"].queryset = QAItem.objects.all()
        if "source" in self.fields:
            # Not the documents' full texts: only their titles are shown.
            self.fields["source"].queryset = SourceDocument.objects.only("pk", "title", "file_name")
        if "cases" in self.fields:
            self.fields["cases"].queryset = CasePage.objects.order_by("title")
        if "stem" in self.fields:
            self.fields["stem"].help_text = f"填空题在题干中用四个下划线 {BLANK} 表示一个空。"

    def clean(self):
        cleaned = super().clean()
        qtype = cleaned.get("type")
        options = cleaned.get("options") or []
        if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            options = strip_option_letters(options)
            if len(options) > len(LETTERS):
                self.add_error("options", f"选项最多 {len(LETTERS)} 个。")
            cleaned["options"] = options
        elif qtype and options:
            label = QuestionType(qtype).label
            self.add_error("options", f"{label}不需要选项，请清空“选项”。")
        if qtype and "answer" in cleaned and not self.has_error("options"):
            try:
                answer = parse_answer(qtype, cleaned["answer"], len(options))
            except ValueError as error:
                self.add_error("answer", str(error))
            else:
                errors = validate_answer_key(qtype, options, answer, cleaned.get("stem") or "")
                if errors:
                    self.add_error("answer", errors)
                else:
                    cleaned["answer"] = answer
        elif "answer" in cleaned:
            # No usable type or options: keep the typed text out of the stored JSON.
            del cleaned["answer"]
        self._clean_quote(cleaned)
        return cleaned

    def _clean_quote(self, cleaned) -> None:
        clean_quote(self, cleaned)

    def _update_errors(self, errors):
        # Question.clean() runs the same answer-key check as clean() above; when the form has
        # already reported a problem with the answer, the model's repetition would only confuse.
        reported = any(self.has_error(name) for name in ("answer", "options", "type", "stem"))
        if hasattr(errors, "error_dict") and reported:
            errors.error_dict.pop("answer", None)
            if not errors.error_dict:
                return
        super()._update_errors(errors)


def clean_quote(form, cleaned) -> None:
    """A quote must come with its source document and be found in it, verbatim (whitespace
    aside), as verify_sources checks; else the nearest passage of the source is shown."""
    quote, source = (cleaned.get("quote") or "").strip(), cleaned.get("source")
    problem = quote_problem(quote=quote, source=source)
    if problem:
        form.add_error("source" if source is None else "quote", problem)


class QuestionCategoryForm(WagtailAdminModelForm):
    class Meta:
        model = QuestionCategory
        fields = ["name", "parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "parent" in self.fields:
            # A category cannot move under itself or one of its own subcategories.
            self.fields["parent"].queryset = QuestionCategory.objects.exclude(
                in_category_condition(self.instance.path)
            )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if "/" in name:
            raise ValidationError("分类名称不能包含“/”：它用来分隔上下级分类。")
        return name

    def clean(self):
        cleaned = super().clean()
        name, parent = cleaned.get("name"), cleaned.get("parent")
        if name:
            path = f"{parent.path}/{name}" if parent else name
            clash = QuestionCategory.objects.filter(path=path).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", f"已有分类“{path}”。")
        return cleaned
