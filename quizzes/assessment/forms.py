"""Forms for supervisors: scheduling a monthly exam, extra time, voiding, uploading a sheet."""

from datetime import date

from django import forms
from django.db.models import Q

from portal.months import parse_month
from portal.organisation.models import path_ids
from portal.organisation.permissions import can_see_everyone, supervised_units
from portal.organisation.selectors import visible_profiles, visible_units
from quizzes.models import AnswersShown, Blueprint, Exam

from .uploads import MAX_UPLOAD_BYTES

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


def team_exams(user):
    """Monthly exams a supervisor may see: created by them, or for units or people in their scope
    (an exam for a unit above theirs is for their people too). HR and administrators: all."""
    exams = Exam.objects.select_related("blueprint", "created_by")
    if can_see_everyone(user):
        return exams.filter(Q(month__isnull=False) | Q(created_by=user))
    unit_ids = set(visible_units(user).values_list("pk", flat=True))
    for path in supervised_units(user).values_list("path", flat=True):
        unit_ids.update(path_ids(path))
    in_scope = (
        Q(audience_units__in=unit_ids)
        | Q(audience_users__staff_profile__in=visible_profiles(user))
        | Q(audience_units=None, audience_users=None)
    )
    return exams.filter(Q(created_by=user) | (Q(month__isnull=False) & in_scope)).distinct()


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


class UploadForm(forms.Form):
    file = forms.FileField(
        label="考核数据表（.xlsx）",
        error_messages={"required": "请选择要上传的 .xlsx 文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"文件太大（{upload.size / 1024 / 1024:.1f} MB），不能超过 5 MB。"
            )
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                "只支持 .xlsx 文件（Excel 2007 及以上）；.xls、.csv 请先在 Excel 中另存为 .xlsx。"
            )
        return upload
