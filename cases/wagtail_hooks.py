"""Admin wiring: the knowledge base as snippets under one 知识库 menu (cases live in the page tree)."""

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.search.admin import WordsSearchIndexView
from portal.thesaurus.viewsets import ThesaurusGroupViewSet

from .choosers import rule_items_chooser
from .models import QAItem, RuleItem, RuleSet, SourceDocument
from .rule_chooser import RuleItemChooserViewSet

# Editors search every listing by its words in the text, code and source (portal.search.admin):
# substrings on any database, not Wagtail's index, which holds only some of these fields.
SOURCE_FIELDS = ["source__title", "source__file_name", "quote", "note"]

SOURCE_PANELS = [
    MultiFieldPanel([FieldPanel("source"), FieldPanel("quote")], heading="出处"),
    MultiFieldPanel([FieldPanel("validity"), FieldPanel("note")], heading="编者按"),
]


class SourceDocumentViewSet(SnippetViewSet):
    model = SourceDocument
    icon = "doc-full"
    menu_label = "来源文件"
    list_display = ["title", "file_name", "traditional"]
    index_view_class = WordsSearchIndexView
    search_fields = ["title", "file_name", "text"]
    panels = [
        FieldPanel("title"),
        FieldPanel("file_name"),
        FieldPanel("traditional"),
        FieldPanel("text"),
    ]


class RuleSetViewSet(SnippetViewSet):
    model = RuleSet
    icon = "list-ul"
    menu_label = "规范"
    list_display = ["name", "code", "kind", "version", "effective_date"]
    list_filter = ["kind", "source"]
    index_view_class = WordsSearchIndexView
    search_fields = [
        "name",
        "code",
        "issuer",
        "version",
        "description",
        "source__title",
        "source__file_name",
        "quote",
    ]
    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("issuer"),
        FieldPanel("version"),
        FieldPanel("effective_date"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
        MultiFieldPanel([FieldPanel("source"), FieldPanel("quote")], heading="出处"),
    ]


class RuleItemViewSet(SnippetViewSet):
    model = RuleItem
    chooser_viewset_class = RuleItemChooserViewSet
    icon = "tick-inverse"
    menu_label = "规范条目"
    list_display = ["title", "rule_set", "number", "category"]
    list_filter = ["rule_set", "category", "source"]
    index_view_class = WordsSearchIndexView
    search_fields = [
        "title",
        "text",
        "number",
        "key",
        "rule_set__name",
        "rule_set__code",
        *SOURCE_FIELDS,
    ]
    panels = [
        FieldPanel("rule_set"),
        FieldPanel("key"),
        FieldPanel("number"),
        FieldPanel("title"),
        FieldPanel("text"),
        FieldPanel("category"),
        FieldPanel("supersedes"),
        FieldPanel("sort_order"),
        *SOURCE_PANELS,
    ]


class QAItemViewSet(SnippetViewSet):
    model = QAItem
    icon = "help"
    menu_label = "知识问答"
    list_display = ["question", "collection", "category", "number"]
    list_filter = ["collection", "category", "source"]
    index_view_class = WordsSearchIndexView
    search_fields = ["question", "answer", "code", "collection", *SOURCE_FIELDS]
    panels = [
        FieldPanel("code"),
        FieldPanel("collection"),
        FieldPanel("category"),
        FieldPanel("number"),
        FieldPanel("question"),
        FieldPanel("answer"),
        FieldPanel("key_points"),
        FieldPanel("related_rules", widget=rule_items_chooser()),
        FieldPanel("sort_order"),
        *SOURCE_PANELS,
    ]


class ThesaurusViewSet(ThesaurusGroupViewSet):
    """The thesaurus listing searched by words (its terms are a JSON list)."""

    index_view_class = WordsSearchIndexView


class KnowledgeViewSetGroup(SnippetViewSetGroup):
    menu_label = "知识库"
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (
        RuleSetViewSet,
        RuleItemViewSet,
        QAItemViewSet,
        ThesaurusViewSet,
        SourceDocumentViewSet,
    )


register_snippet(KnowledgeViewSetGroup)
