"""Template filters for key points: a stored point (text, or text with a weight) as written."""

from django import template

from portal.thesaurus.keypoints import write_key_point

register = template.Library()


@register.filter
def key_point(stored) -> str:
    return write_key_point(stored)
