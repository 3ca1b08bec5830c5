from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "题库与考试"

    def ready(self):
        from cases.sourcing import QUOTE_PROVIDERS
        from portal.organisation.roles import ROLE_PERMISSIONS, Role

        from .quotes import question_quotes

        QUOTE_PROVIDERS.append(question_quotes)
        editor_permissions = ROLE_PERMISSIONS[Role.EDITOR]
        for model in ("question", "questioncategory", "blueprint", "exam"):
            for action in ("add", "change", "delete", "view"):
                name = f"quizzes.{action}_{model}"
                if name not in editor_permissions:
                    editor_permissions.append(name)
