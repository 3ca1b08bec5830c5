from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "知识库"

    def ready(self):
        from portal.organisation.roles import ROLE_PERMISSIONS, Role

        from .quotes import knowledge_quotes
        from .search import register_search_kinds
        from .sourcing import QUOTE_PROVIDERS

        QUOTE_PROVIDERS.append(knowledge_quotes)
        register_search_kinds()
        editor_permissions = ROLE_PERMISSIONS[Role.EDITOR]
        for model in ("sourcedocument", "ruleset", "ruleitem", "qaitem"):
            for action in ("add", "change", "delete", "view"):
                name = f"cases.{action}_{model}"
                if name not in editor_permissions:
                    editor_permissions.append(name)
