"""Model fields holding a list of choice values (a blueprint section's types, difficulties and
case kinds, the uses a blueprint draws). Migrations name them quizzes.fields.*, so they stay here."""

from django import forms
from django.db import models

from cases.choices import CaseKind

from .bank.choices import Difficulty, QuestionType, QuestionUsage


class ChoiceListField(models.JSONField):
    """A JSON list of choice values, edited as checkboxes (empty list: no restriction)."""

    choices_class: type[models.Choices]

    def formfield(self, **kwargs):
        choice_type = type(self.choices_class.values[0])
        return forms.TypedMultipleChoiceField(
            choices=self.choices_class.choices,
            coerce=choice_type,
            required=False,
            label=self.verbose_name,
            help_text=self.help_text,
            widget=forms.CheckboxSelectMultiple,
        )


class QuestionTypeListField(ChoiceListField):
    choices_class = QuestionType


class DifficultyListField(ChoiceListField):
    choices_class = Difficulty


class QuestionUsageListField(ChoiceListField):
    choices_class = QuestionUsage


class CaseKindListField(ChoiceListField):
    choices_class = CaseKind
