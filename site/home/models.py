from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from portal.organisation.roles import user_roles
from portal.organisation.selectors import visible_profiles


class HomePage(Page):
    """The site root. Each role sees its own dashboard of links to what it can use."""

    intro = models.TextField("欢迎语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = "首页"
        verbose_name_plural = "首页"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        context["roles"] = user_roles(user)
        if user.is_authenticated:
            context["profile"] = (
                visible_profiles(user).select_related("unit").filter(user=user).first()
            )
        return context
