"""Serving a post's attachments, to those who can read the post.

Whatever the file, the browser is told exactly what it is and not to guess
(`X-Content-Type-Options: nosniff`), and nothing but a real image is ever shown
in the page: every other file (PDF, office files, and HTML, SVG, scripts or
executables sent by someone) comes with `Content-Disposition: attachment` and is
downloaded, never rendered on our origin. A restrictive Content-Security-Policy
(sandbox) covers a browser that would render it anyway.
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from common.storage import file_storage
from forum.models import Attachment
from forum.permissions import can_read_post


@require_safe
def attachment(request, pk: int, filename: str):
    item = get_object_or_404(
        Attachment.objects.select_related("post__thread__board__session"), pk=pk
    )
    if not can_read_post(request.user, item.post):
        raise Http404
    try:  # the data dir or the object store (common/storage.py); never outside it
        stored = file_storage("attachments").open(item.path, "rb")
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation):
        raise Http404 from None
    inline = item.is_image
    response = FileResponse(
        stored,
        as_attachment=not inline,
        filename=item.filename,
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
