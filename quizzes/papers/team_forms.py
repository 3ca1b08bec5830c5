"""Forms of the supervisors' changes to a published exam: edit (before anyone started), extend,
cancel. The rules are in scheduling.py; these only read what was typed."""

from django import forms

from .forms import ExamScheduleForm


class ExamEditForm(forms.Form):
    """Window, audience and notice of an exam nobody has started yet."""

    opens_at = ExamScheduleForm.base_fields["opens_at"]
    closes_at = ExamScheduleForm.base_fields["closes_at"]
    units = ExamScheduleForm.base_fields["units"]
    people = ExamScheduleForm.base_fields["people"]
    notice = ExamScheduleForm.base_fields["notice"]
    reason = forms.CharField(label="修改说明", required=False, max_length=300)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scheduling_form = ExamScheduleForm(user=user)
        self.fields["units"].queryset = scheduling_form.fields["units"].queryset
        self.fields["people"].queryset = scheduling_form.fields["people"].queryset


class ExamExtendForm(forms.Form):
    closes_at = forms.DateTimeField(
        label="新的截止时间",
        widget=ExamScheduleForm.base_fields["closes_at"].widget,
        help_text="北京时间；必须晚于原截止时间。正在作答的考生按各自的答题时长顺延。",
    )
    reason = forms.CharField(
        label="原因",
        max_length=300,
        error_messages={"required": "延长截止时间必须填写原因。"},
        help_text="考生会在站内通知中看到这个原因。",
    )


class ExamCancelForm(forms.Form):
    reason = forms.CharField(
        label="取消原因",
        max_length=300,
        error_messages={"required": "取消考试必须填写原因。"},
        help_text="考生会在站内通知中看到这个原因。",
    )
