from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "portal.organisation"
    label = "organisation"
    verbose_name = "组织与人员"
