"""The case-analysis editor's forms in the Wagtail admin: a material with its sub-questions inline
(each answered as the question editor reads answers), and an exclusion group written as codes."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm

from cases.models import CasePage, RuleItem, SourceDocument

from .choices import MAX_SUBQUESTIONS, MIN_SUBQUESTIONS
from .forms import QuestionForm, clean_quote
from .models import ExclusionGroup, Material, Question
from .selectors import question_delete_problem
from .services import link_subquestions, prepare_subquestions


class SubQuestionForm(QuestionForm):
    """One sub-question inline in the material editor: type, stem, options, answer (read as the
    question editor reads it), score, explanation, status. Category, difficulty, use, source and
    code follow the material (quizzes.bank.services.prepare_subquestions)."""

    class Meta:
        model = Question
        fields = [
            "type",
            "default_score",
            "status",
            "stem",
            "options",
            "answer",
            "explanation",
            "blanks_unordered",
        ]


class SubQuestionFormSet(BaseChildFormSet):
    """The sub-questions in their order; none of them deleted while papers or answers hold it."""

    # Django checks the inline's min_num / max_num before clean(): its words, in ours.
    default_error_messages = {
        "too_few_forms": f"材料至少要有 {MIN_SUBQUESTIONS} 道小题。",
        "too_many_forms": f"一份材料最多 {MAX_SUBQUESTIONS} 道小题。",
    }

    def __init__(self, data=None, files=None, instance=None, queryset=None, **kwargs):
        if queryset is None and instance is not None and instance.pk:
            queryset = Question.objects.filter(material=instance).order_by("material_order", "pk")
        super().__init__(data, files, instance=instance, queryset=queryset, **kwargs)

    def clean(self):
        super().clean()
        kept = 0
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get(DELETION_FIELD_NAME):
                problem = question_delete_problem(form.instance) if form.instance.pk else ""
                if problem:
                    raise ValidationError(f"小题“{form.instance.stem[:20]}”不能删除：{problem}")
            elif form.instance.pk or form.has_changed():
                kept += 1
        if kept < MIN_SUBQUESTIONS:
            raise ValidationError(f"材料至少要有 {MIN_SUBQUESTIONS} 道小题。")
        if kept > MAX_SUBQUESTIONS:
            raise ValidationError(f"一份材料最多 {MAX_SUBQUESTIONS} 道小题。")


class MaterialForm(WagtailAdminModelForm):
    """案例分析材料: the scenario, its case and rule items, its source quote, its sub-questions."""

    class Meta:
        model = Material
        fields = [
            "code",
            "title",
            "text",
            "case",
            "rules",
            "category",
            "knowledge_point",
            "difficulty",
            "status",
            "usage",
            "variant_of",
            "note",
            "source",
            "quote",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "rules" in self.fields:
            self.fields["rules"].queryset = RuleItem.objects.select_related("rule_set")
        if "source" in self.fields:
            self.fields["source"].queryset = SourceDocument.objects.only("pk", "title", "file_name")
        if "case" in self.fields:
            self.fields["case"].queryset = CasePage.objects.order_by("title")
        if "variant_of" in self.fields and self.instance.pk:
            self.fields["variant_of"].queryset = Material.objects.exclude(pk=self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        clean_quote(self, cleaned)
        text, case = cleaned.get("text") or "", cleaned.get("case")
        if case is not None and case.title and case.title in text:
            self.add_error(
                "text", f"材料中出现了案例标题“{case.title}”：请只写情境，不写案例标题。"
            )
        if cleaned.get("variant_of") is not None and not (cleaned.get("note") or "").strip():
            self.add_error("note", "变式材料请在编者按中写明改了哪个事实、考查什么。")
        return cleaned

    def save(self, commit=True):
        material = super().save(commit=False)
        prepare_subquestions(material=material, subquestions=list(material.subquestions.all()))
        if commit:
            material.save()
            self._save_m2m()
            link_subquestions(material=material)
        else:
            save_m2m = self._save_m2m

            def save_all():
                save_m2m()
                link_subquestions(material=material)

            self.save_m2m = save_all
        return material


CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class ExclusionGroupForm(WagtailAdminModelForm):
    """互斥组: its questions written as codes, one per line (or separated by commas)."""

    codes = forms.CharField(
        label="试题编码",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每行（或用逗号分隔）一个试题编码，至少两道。同一份试卷不会同时抽到同组的两道题，"
        "案例分析材料的小题也算在内。",
        error_messages={"required": "请填写组内试题的编码。"},
    )

    class Meta:
        model = ExclusionGroup
        fields = ["code", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["codes"] = "\n".join(
                self.instance.questions.order_by("code").values_list("code", flat=True)
            )

    def clean_codes(self) -> list[Question]:
        codes = list(
            dict.fromkeys(c for c in CODE_SEPARATORS.split(self.cleaned_data["codes"]) if c)
        )
        questions = list(Question.objects.filter(code__in=codes).only("pk", "code"))
        missing = sorted(set(codes) - {question.code for question in questions})
        if missing:
            raise ValidationError("没有这些编码的试题：" + "、".join(missing[:20]))
        if len(questions) < 2:
            raise ValidationError("互斥组至少要有两道试题。")
        return questions

    def save(self, commit=True):
        group = super().save(commit=commit)
        questions = self.cleaned_data["codes"]
        if commit:
            group.questions.set(questions)
        else:
            save_m2m = self.save_m2m

            def save_all():
                save_m2m()
                group.questions.set(questions)

            self.save_m2m = save_all
        return group
