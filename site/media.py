"""Uploaded files under MEDIA_ROOT (Wagtail documents and images) for signed-in people only."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.views import static


@login_required
def serve_media(request, path: str):
    """One file under MEDIA_ROOT, in every mode (DEBUG or not). django.views.static.serve joins
    the path with safe_join, so "../" or an absolute path cannot leave MEDIA_ROOT (404), and
    lists no directories."""
    return static.serve(request, path, document_root=settings.MEDIA_ROOT)
