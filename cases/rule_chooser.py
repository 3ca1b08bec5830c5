"""The rule-item chooser (the modal behind "添加规范条目"): search plus a filter by rule set, so
an editor finds 十个不准 第四条 among 255 items by picking the rule set first."""

from django import forms
from wagtail.admin.forms.choosers import BaseFilterForm, SearchFilterMixin
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet

from .models import RuleSet


class RuleItemFilterForm(SearchFilterMixin, BaseFilterForm):
    rule_set = forms.ModelChoiceField(
        label="所属规范",
        queryset=RuleSet.objects.order_by("sort_order", "code"),
        required=False,
        empty_label="全部规范",
        widget=forms.Select(attrs={"data-chooser-modal-search-filter": True}),
    )

    def filter(self, objects):
        rule_set = self.cleaned_data.get("rule_set")
        found = super().filter(objects)
        if rule_set is None:
            return found
        if self.is_searching:
            # The search index has no rule-set filter field: narrow the hits by primary key.
            return objects.filter(pk__in=[item.pk for item in found], rule_set=rule_set)
        return found.filter(rule_set=rule_set)


class RuleItemChooseView(ChooseView):
    filter_form_class = RuleItemFilterForm


class RuleItemChooseResultsView(ChooseResultsView):
    filter_form_class = RuleItemFilterForm


class RuleItemChooserViewSet(SnippetChooserViewSet):
    choose_view_class = RuleItemChooseView
    choose_results_view_class = RuleItemChooseResultsView
