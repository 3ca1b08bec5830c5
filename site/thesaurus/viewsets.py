"""Admin: the thesaurus (同义词表), editable by 培训专责; the knowledge base's menu group lists it
(cases/wagtail_hooks.py), so it is registered there, not here."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import ThesaurusGroup


class TermsField(forms.CharField):
    """Terms edited one per line (or separated by ，、,), stored as a list."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        for separator in ("，", "、", ","):
            text = text.replace(separator, "\n")
        return [term.strip() for term in text.splitlines() if term.strip()]


class ThesaurusGroupForm(WagtailAdminModelForm):
    terms = TermsField(
        label="词条与同义词",
        help_text="每行一个；第一个是规范用语（原文写法），其余是同义的说法。“阅卷与搜索”组会用于"
        "简答题、填空题评分，请只放考试中可以互换的词。",
    )


class ThesaurusGroupViewSet(SnippetViewSet):
    model = ThesaurusGroup
    icon = "list-ul"
    menu_label = "同义词表"
    list_display = ["__str__", "use", "note", "updated_at"]
    list_filter = ["use"]
    search_fields = ["terms", "note"]
    search_backend_name = None
    base_form_class = ThesaurusGroupForm
    panels = [FieldPanel("terms"), FieldPanel("use"), FieldPanel("note")]
