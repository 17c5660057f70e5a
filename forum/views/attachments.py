"""Serving a post's attachments, to those who can read the post.

Whatever the file, the browser is told exactly what it is and not to guess
(`X-Content-Type-Options: nosniff`), and nothing but a real image is ever shown
in the page: every other file (PDF, office files, and HTML, SVG, scripts or
executables sent by someone) comes with `Content-Disposition: attachment` and is
downloaded, never rendered on our origin. A restrictive Content-Security-Policy
(sandbox) covers a browser that would render it anyway.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from forum.models import Attachment
from forum.permissions import can_read_post


def attachments_root() -> Path:
    return Path(settings.INTERCOOP_ATTACHMENTS_DIR).resolve()


@require_safe
def attachment(request, pk: int, filename: str):
    item = get_object_or_404(
        Attachment.objects.select_related("post__thread__board__session"), pk=pk
    )
    if not can_read_post(request.user, item.post):
        raise Http404
    root = attachments_root()
    path = (root / item.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404
    inline = item.is_image
    response = FileResponse(
        path.open("rb"),
        as_attachment=not inline,
        filename=item.filename,
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
