from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "知识库"

    def ready(self):
        from portal.organisation.roles import Role, grant_model_permissions

        from .quotes import knowledge_quotes
        from .search import register_search_kinds
        from .sourcing import QUOTE_PROVIDERS

        QUOTE_PROVIDERS.append(knowledge_quotes)
        register_search_kinds()
        grant_model_permissions(
            Role.EDITOR, "cases", ["sourcedocument", "ruleset", "ruleitem", "qaitem"]
        )
