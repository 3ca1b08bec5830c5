"""Forms for editors (question bank and exams in the Wagtail admin), for marking short answers and
for supervisors scheduling monthly exams (extra time, voiding).

Editors type answers the way a printed paper shows them: "ACD" for choices, 对/错 for true/false,
one line per blank (alternatives separated by "|") for fill-in, one key point per line for short
answers. The form turns that into the stored JSON and checks it with grading.validate_answer_key.
"""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from cases.models import CasePage, QAItem, RuleItem, SourceDocument
from cases.sourcing import read_source, squash
from portal.months import parse_month
from portal.organisation.selectors import visible_profiles, visible_units

from .display import LETTERS
from .drawing import DrawError, draw_paper
from .grading import BLANK, validate_answer_key
from .models import AnswersShown, Blueprint, Exam, Question, QuestionCategory, QuestionType
from .selectors import team_exams

TRUE_WORDS = {"对", "正确", "是", "√", "✓", "✔", "t", "true", "y", "yes"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "✘", "x", "f", "false", "n", "no"}
ALTERNATIVE_SEPARATOR = re.compile(r"[|｜]")
CHOICE_SEPARATORS = re.compile(r"[\s,，、;；]+")
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


def parse_answer(qtype: str, text: str, option_count: int) -> list:
    """The familiar written answer → the stored JSON. ValidationError (Chinese) if unreadable."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写正确答案。")
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        letters = "".join(CHOICE_SEPARATORS.split(text)).upper()
        wrong = [c for c in letters if c not in LETTERS[:option_count]]
        if wrong:
            last = LETTERS[option_count - 1] if option_count else ""
            allowed = f"A–{last}" if option_count > 1 else "（请先填写选项）"
            raise ValidationError(
                f"答案“{text}”中的“{''.join(dict.fromkeys(wrong))}”不是选项字母："
                f"本题共 {option_count} 个选项，只能填 {allowed}。"
            )
        return sorted({LETTERS.index(c) for c in letters})
    if qtype == QuestionType.TRUE_FALSE:
        word = text.lower()
        if word in TRUE_WORDS:
            return [True]
        if word in FALSE_WORDS:
            return [False]
        raise ValidationError(f"判断题的答案请填“对”或“错”，不能是“{text}”。")
    if qtype == QuestionType.FILL:
        blanks = []
        for number, line in enumerate(split_lines(text), start=1):
            alternatives = [a.strip() for a in ALTERNATIVE_SEPARATOR.split(line) if a.strip()]
            if not alternatives:
                raise ValidationError(f"第 {number} 个空没有可接受的答案。")
            blanks.append(alternatives)
        return blanks
    if qtype == QuestionType.SHORT:
        return split_lines(text)
    raise ValidationError("请先选择题型。")


def format_answer(qtype: str, answer) -> str:
    """The stored JSON → what the editor types (the reverse of parse_answer)."""
    if not isinstance(answer, list):
        return ""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(LETTERS[i] for i in answer if isinstance(i, int) and 0 <= i < len(LETTERS))
    if qtype == QuestionType.TRUE_FALSE:
        return ("对" if answer[0] else "错") if answer else ""
    if qtype == QuestionType.FILL:
        return "\n".join(" | ".join(str(a) for a in blank) for blank in answer)
    return "\n".join(str(point) for point in answer)


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
        ]

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
            except ValidationError as error:
                self.add_error("answer", error)
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
        quote, source = (cleaned.get("quote") or "").strip(), cleaned.get("source")
        if quote and source is None:
            self.add_error("source", "填写了原文摘录，请同时选择它的来源文件。")
        elif quote and source is not None:
            try:
                text = read_source(source.file_name)
            except OSError:
                text = source.text or ""
            if squash(quote) not in squash(text):
                self.add_error(
                    "quote", f"这段摘录在“{source.title}”中找不到：请逐字复制原文（空白可不同）。"
                )

    def _update_errors(self, errors):
        # Question.clean() runs the same answer-key check as clean() above; when the form has
        # already reported a problem with the answer, the model's repetition would only confuse.
        reported = any(self.has_error(name) for name in ("answer", "options", "type", "stem"))
        if hasattr(errors, "error_dict") and reported:
            errors.error_dict.pop("answer", None)
            if not errors.error_dict:
                return
        super()._update_errors(errors)


class QuestionCategoryForm(WagtailAdminModelForm):
    class Meta:
        model = QuestionCategory
        fields = ["name", "parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "parent" in self.fields:
            # A category cannot move under itself or one of its own subcategories.
            own = self.instance.path
            self.fields["parent"].queryset = QuestionCategory.objects.exclude(path=own).exclude(
                path__startswith=own + "/"
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

    def save(self, commit=True):
        old_path = self.instance.path if self.instance.pk else None
        category = super().save(commit=commit)
        if commit and old_path and old_path != category.path:
            # Renamed or moved: the stored paths of its subcategories follow it.
            for child in QuestionCategory.objects.filter(path__startswith=old_path + "/").order_by(
                "path"
            ):
                child.save()  # recomputes its path from its (already updated) parent
        return category


class BlueprintForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        sections = self.formsets.get("sections")
        if sections is None:
            return cleaned
        sections.is_valid()  # validates the section forms now, so their values can be checked
        kept = 0
        for form in sections.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            if not data:
                continue
            kept += 1
            if data.get("question_count") is not None and data["question_count"] < 1:
                form.add_error("question_count", "每个大题至少抽 1 道题。")
            score = data.get("score_per_question")
            if score is not None and score <= Decimal(0):
                form.add_error("score_per_question", "每题分值必须大于 0。")
        if cleaned.get("status") == Blueprint.Status.READY and not kept:
            self.add_error("status", "还没有大题的组卷规则不能设为“可用”。")
        pass_mark = cleaned.get("pass_mark")
        if pass_mark is not None and pass_mark < 0:
            self.add_error("pass_mark", "及格分不能为负数。")
        return cleaned


class ExamForm(WagtailAdminModelForm):
    class Meta:
        model = Exam
        fields = ["title", "blueprint", "status", "opens_at", "closes_at", "review_policy"]

    def clean(self):
        cleaned = super().clean()
        blueprint, status = cleaned.get("blueprint"), cleaned.get("status")
        if blueprint is not None and status == Exam.Status.PUBLISHED:
            if blueprint.status != Blueprint.Status.READY:
                self.add_error(
                    "blueprint",
                    f"组卷规则“{blueprint.name}”还是草稿，请先把它设为“可用”再发布考试。",
                )
            else:
                # Publishing an exam that cannot be drawn would only fail when staff start it.
                try:
                    draw_paper(blueprint=blueprint, seed=0)
                except DrawError as error:
                    self.add_error("blueprint", f"按这个组卷规则抽不出试卷：{error}")
        return cleaned

    def save(self, commit=True):
        exam = super().save(commit=False)
        if exam.created_by_id is None and self.for_user is not None:
            exam.created_by = self.for_user
        if commit:
            exam.save()
            self.save_m2m()
        return exam


# Marking short answers ------------------------------------------------------------------------

DECISION_CHOICES = [("1", "得分"), ("0", "不得分")]


class MarkingForm(forms.Form):
    """One accept/reject decision and an optional comment per key point."""

    def __init__(self, *args, marking: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.points = marking
        for i, entry in enumerate(marking):
            decided = entry.get("accepted")
            initial = decided if decided is not None else entry.get("matched")
            self.fields[f"decision_{i}"] = forms.ChoiceField(
                label=entry.get("point", ""),
                choices=DECISION_CHOICES,
                widget=forms.RadioSelect,
                initial="1" if initial else "0",
                error_messages={
                    "required": "请选择“得分”或“不得分”。",
                    "invalid_choice": "只能选择“得分”或“不得分”。",
                },
            )
            self.fields[f"comment_{i}"] = forms.CharField(
                label="评语",
                required=False,
                max_length=500,
                initial=entry.get("comment", ""),
                widget=forms.TextInput(attrs={"placeholder": "可选，考生可在成绩页看到"}),
                error_messages={"max_length": "评语最多 500 个字。"},
            )

    def rows(self):
        """(key point entry, decision field, comment field) for the template."""
        return [
            (entry, self[f"decision_{i}"], self[f"comment_{i}"])
            for i, entry in enumerate(self.points)
        ]

    def decisions(self) -> list[tuple[bool, str]]:
        return [
            (
                self.cleaned_data[f"decision_{i}"] == "1",
                self.cleaned_data.get(f"comment_{i}", ""),
            )
            for i in range(len(self.points))
        ]


# Monthly exams (班组考试) -------------------------------------------------------------------------

LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_DATETIME, **kwargs)


class ProfileChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.employee_number}，{obj.unit.name}）"


class ExamScheduleForm(forms.Form):
    """月度考试安排. Choices are limited to the supervisor's scope; scheduling.schedule_exam checks
    the scope again and everything else about the plan."""

    title = forms.CharField(label="考试名称", max_length=200)
    blueprint = forms.ModelChoiceField(
        label="组卷规则",
        queryset=Blueprint.objects.none(),
        empty_label="请选择组卷规则",
        help_text="只列出已就绪的组卷规则。",
    )
    month = forms.CharField(
        label="考核月份",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text="成绩计入该月考核；留空则为模拟考试，不计入考核。",
    )
    opens_at = forms.DateTimeField(
        label="开始时间", widget=LocalDateTimeInput(), help_text="北京时间"
    )
    closes_at = forms.DateTimeField(
        label="截止时间",
        widget=LocalDateTimeInput(),
        help_text="北京时间；到点仍在作答的试卷将自动交卷。",
    )
    time_limit_minutes = forms.IntegerField(
        label="答题时长（分钟）",
        required=False,
        min_value=1,
        max_value=600,
        help_text="留空则按组卷规则。",
    )
    attempts_allowed = forms.IntegerField(
        label="允许作答次数", initial=1, min_value=0, max_value=10, help_text="0 表示不限次数。"
    )
    units = forms.ModelMultipleChoiceField(
        label="参考单位（含下级）",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所选单位不在您的管辖范围内（%(value)s）。"},
    )
    people = ProfileChoiceField(
        label="参考人员",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所选人员不在您的管辖范围内（%(value)s）。"},
        help_text="可只选人员，或在所选单位之外再加人员。",
    )
    review_policy = forms.ChoiceField(
        label="公布答案时机",
        choices=AnswersShown.choices,
        initial=AnswersShown.AFTER_CLOSE,
        required=False,  # left empty: 考试结束后 for a monthly exam
        help_text=(
            "何时向考生显示每题对错、正确答案和解析。“考试结束后”指所有考生（含补考、延时）都结束"
            "作答之后；计入月度考核的考试不能选“交卷后”。"
        ),
        error_messages={"required": "请选择公布答案时机。", "invalid_choice": "公布答案时机无效。"},
    )
    makeup_of = forms.ModelChoiceField(
        label="补考对应的考试",
        queryset=None,
        required=False,
        empty_label="不是补考",
        help_text="补考只对原考试缺考或不及格的人员开放，成绩计入同一月份。",
    )
    notice = forms.CharField(
        label="考试通知", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blueprint"].queryset = Blueprint.objects.filter(
            status=Blueprint.Status.READY
        ).order_by("name")
        self.fields["units"].queryset = visible_units(user).order_by("path")
        self.fields["people"].queryset = (
            visible_profiles(user)
            .filter(user__is_active=True)
            .exclude(user=user)
            .select_related("unit")
            .order_by("unit__path", "employee_number")
        )
        self.fields["makeup_of"].queryset = team_exams(user).filter(month__isnull=False)

    def clean_month(self) -> date | None:
        text = self.cleaned_data.get("month", "")
        if not text.strip():
            return None
        try:
            return parse_month(text)
        except ValueError:
            raise forms.ValidationError("考核月份格式应为 YYYY-MM，例如 2026-11。") from None

    def clean(self):
        data = super().clean()
        makeup_of, month = data.get("makeup_of"), data.get("month")
        if makeup_of and month and makeup_of.month and makeup_of.month != month:
            self.add_error("month", "补考的考核月份应与原考试相同。")
        return data


class ExtraTimeForm(forms.Form):
    attempt = forms.IntegerField(widget=forms.HiddenInput)
    minutes = forms.IntegerField(
        label="延长（分钟）",
        min_value=1,
        max_value=120,
        error_messages={
            "required": "请填写延长的分钟数。",
            "invalid": "延长的分钟数应为整数。",
            "min_value": "延长时间应为 1–120 分钟。",
            "max_value": "延长时间应为 1–120 分钟。",
        },
    )


class VoidForm(forms.Form):
    attempt = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="作废原因",
        max_length=300,
        error_messages={"required": "作废必须填写原因。"},
    )
