"""Forms for exams: the blueprint and exam editors in the Wagtail admin, marking a short answer,
and supervisors scheduling a monthly exam (extra time, voiding)."""

from datetime import date
from decimal import Decimal

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from portal.months import parse_month
from portal.organisation.selectors import visible_units

from .drawing import DrawError, draw_paper
from .models import AnswersShown, Blueprint, Exam
from .selectors import schedulable_blueprints, schedulable_people, team_exams


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
    """One accept/reject decision and an optional comment per key point, an optional overall
    score (0 to the question's score, in steps of 0.5) and comment; a re-mark (复核) states why."""

    score = forms.DecimalField(
        label="直接给分（可选）",
        required=False,
        min_value=0,
        decimal_places=1,
        help_text="不填则按要点计分；填写后以此分数为准（0 到本题分值，0.5 分为单位）。",
        error_messages={
            "invalid": "给分必须是数字，例如 3 或 3.5。",
            "min_value": "给分不能小于 0。",
            "max_decimal_places": "给分以 0.5 分为单位，例如 3 或 3.5。",
        },
    )
    comment = forms.CharField(
        label="总评语（可选）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="考生在成绩回顾中可以看到。",
        error_messages={"max_length": "总评语最多 1000 个字。"},
    )
    reason = forms.CharField(
        label="复核原因",
        required=False,
        max_length=300,
        error_messages={"max_length": "复核原因最多 300 个字。"},
    )

    def __init__(self, *args, marking: list[dict], max_score, remark: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_score = max_score
        self.remark = remark
        if remark:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = "复核必须写明原因。"
        else:
            del self.fields["reason"]
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

    def clean_score(self):
        score = self.cleaned_data.get("score")
        if score is None:
            return None
        if score > self.max_score:
            raise forms.ValidationError(f"给分不能超过本题分值 {self.max_score.normalize():f} 分。")
        if (score * 2) != (score * 2).to_integral_value():
            raise forms.ValidationError("给分以 0.5 分为单位，例如 3 或 3.5。")
        return score

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
        self.fields["blueprint"].queryset = schedulable_blueprints()
        self.fields["units"].queryset = visible_units(user).order_by("path")
        self.fields["people"].queryset = schedulable_people(user)
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
