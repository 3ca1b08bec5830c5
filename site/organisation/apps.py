from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrganisationConfig(AppConfig):
    name = "portal.organisation"
    label = "organisation"
    verbose_name = "组织与人员"

    def ready(self):
        # Signal receivers: the failed-login counter, the idle clock started at login.
        from . import idle, session_user, throttle  # noqa: F401
        from .context_processors import connect_header_invalidation
        from .permission_names import rename_permissions

        connect_header_invalidation()
        session_user.connect_invalidation()

        post_migrate.connect(rename_permissions, dispatch_uid="organisation.rename_permissions")
