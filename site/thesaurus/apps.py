from django.apps import AppConfig


class ThesaurusConfig(AppConfig):
    name = "portal.thesaurus"
    label = "thesaurus"
    verbose_name = "同义词与要点匹配"

    def ready(self):
        from portal.organisation.roles import Role, grant_model_permissions

        grant_model_permissions(Role.EDITOR, "thesaurus", ["thesaurusgroup"])
