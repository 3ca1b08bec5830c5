"""A many-to-many field chosen with Wagtail's chooser modal (search, filters, several at once) and
shown as chips that can be removed one by one: adding never clears what was chosen before, as a
bare multi-select's ordinary click does. Used for rule items, Q&A items and cases on questions,
materials and case pages."""

from django import forms
from django.urls import reverse

SNIPPET = "snippet"
PAGE = "page"


class MultipleChooser(forms.SelectMultiple):
    """Chips for the chosen objects and a button that opens the chooser; only the chosen objects
    are rendered (as the selected options of a hidden <select>), not the whole table."""

    template_name = "cases/widgets/multiple_chooser.html"

    def __init__(self, *, model_label: str, add_label: str, kind: str = SNIPPET, attrs=None):
        super().__init__(attrs)
        self.model_label, self.add_label, self.kind = model_label, add_label, kind

    def chooser_url(self) -> str:
        if self.kind == PAGE:
            return reverse("wagtailadmin_choose_page")
        app_label, model_name = self.model_label.lower().split(".")
        return reverse(f"wagtailsnippetchoosers_{app_label}_{model_name}:choose")

    def chosen(self, value) -> list[tuple[str, str]]:
        values = [str(v) for v in (value or []) if str(v)]
        queryset = getattr(self.choices, "queryset", None)
        if not values or queryset is None:
            return []
        objects = {str(obj.pk): obj for obj in queryset.filter(pk__in=values)}
        return [(pk, str(objects[pk])) for pk in values if pk in objects]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            chosen=self.chosen(value),
            chooser_url=self.chooser_url(),
            add_label=self.add_label,
            kind=self.kind,
            page_type=self.model_label.lower() if self.kind == PAGE else "",
        )
        return context

    def optgroups(self, name, value, attrs=None):
        return []  # the template renders only the chosen objects

    @property
    def media(self):
        return forms.Media(
            js=[
                "wagtailadmin/js/modal-workflow.js",
                "wagtailadmin/js/chooser-modal.js",
                "wagtailadmin/js/page-chooser-modal.js",
                "cases/admin/multiple_chooser.js",
            ],
            css={"all": ["cases/admin/multiple_chooser.css"]},
        )


def rule_items_chooser() -> MultipleChooser:
    return MultipleChooser(model_label="cases.RuleItem", add_label="添加规范条目")


def qa_items_chooser() -> MultipleChooser:
    return MultipleChooser(model_label="cases.QAItem", add_label="添加知识问答")


def cases_chooser() -> MultipleChooser:
    return MultipleChooser(model_label="cases.CasePage", add_label="添加案例", kind=PAGE)
