from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from portal.organisation.roles import user_roles
from portal.organisation.selectors import visible_profiles

from .selectors import pending_exams, practice_suggestions


class HomePage(Page):
    """The site root. A signed-in person sees their exams to do (with deadlines) first, then
    practice suggestions, then their role's dashboard of links."""

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
            exams = pending_exams(user=user, now=timezone.now())
            context["exams_to_do"] = exams
            # Practice is closed while a paper is open (quizzes.practice.views.closed_during_exam).
            context["sitting"] = any(row.open_attempt for row in exams)
            context["suggestions"] = [] if context["sitting"] else practice_suggestions(user=user)
        return context
