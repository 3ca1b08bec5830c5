from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "portal.organisation"
    label = "organisation"
    verbose_name = "组织与人员"

    def ready(self):
        # Signal receivers: the failed-login counter, the idle clock started at login.
        from . import idle, throttle  # noqa: F401
