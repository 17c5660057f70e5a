"""Error pages rendered with the site's layout, in the reader's language."""

from django.shortcuts import render


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)
