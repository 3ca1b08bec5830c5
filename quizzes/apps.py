"""The exam engine's app: registers its quotes with the knowledge base and its editor permissions."""

from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "题库与考试"

    def ready(self):
        from cases.sourcing import QUOTE_PROVIDERS, UNSOURCED_COUNTERS
        from portal.organisation.roles import Role, grant_model_permissions

        from .bank.quotes import imported_without_source, material_quotes, question_quotes

        QUOTE_PROVIDERS.append(question_quotes)
        QUOTE_PROVIDERS.append(material_quotes)
        UNSOURCED_COUNTERS.append(imported_without_source)
        grant_model_permissions(
            Role.EDITOR,
            "quizzes",
            ["question", "questioncategory", "material", "exclusiongroup", "blueprint", "exam"],
        )
