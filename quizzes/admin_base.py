"""What the bank's and the papers' admin views share: deletes refused (with a Chinese message)
while something still depends on the object, and table columns built from Wagtail's public
Column and TitleColumn classes."""

from django.shortcuts import redirect
from django.utils.text import capfirst
from wagtail.admin import messages
from wagtail.admin.ui.tables import ButtonsColumnMixin, Column, TitleColumn
from wagtail.admin.views import generic


class GuardedDeleteView(generic.DeleteView):
    """Refuses, with a message in Chinese, to delete what exams or people still depend on."""

    def blocked_reason(self) -> str:
        return ""

    def _refused(self):
        reason = self.blocked_reason()
        if reason:
            messages.error(self.request, reason)
            return redirect(self.index_url_name)
        return None

    def get(self, request, *args, **kwargs):
        return self._refused() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._refused() or super().post(request, *args, **kwargs)


class RowTitleColumn(ButtonsColumnMixin, TitleColumn):
    """A listing's first column: the title, linking to the edit page (or the inspect page where
    the user may not edit), with the row's action buttons, as Wagtail's own listings show it."""

    def __init__(self, name, *, view, **kwargs):
        super().__init__(
            name,
            get_url=lambda instance: view.get_edit_url(instance) or view.get_inspect_url(instance),
            **kwargs,
        )
        self.view = view

    def get_buttons(self, instance, parent_context):
        return self.view.get_list_buttons(instance)


def field_column(model, name: str, column_class=Column, **kwargs) -> Column:
    """A sortable column for a model field, labelled with its verbose name; a field with choices
    shows the choice's label."""
    field = model._meta.get_field(name)
    kwargs.setdefault("label", capfirst(field.verbose_name))
    kwargs.setdefault("accessor", f"get_{name}_display" if field.choices else name)
    kwargs.setdefault("sort_key", name)
    return column_class(name, **kwargs)
