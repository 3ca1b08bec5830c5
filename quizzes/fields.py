from django import forms
from django.db import models


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
    @property
    def choices_class(self):
        from .models import QuestionType

        return QuestionType


class DifficultyListField(ChoiceListField):
    @property
    def choices_class(self):
        from .models import Difficulty

        return Difficulty


class QuestionUsageListField(ChoiceListField):
    @property
    def choices_class(self):
        from .models import QuestionUsage

        return QuestionUsage
