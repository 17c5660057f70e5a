"""Error pages rendered with the site's layout, in the reader's language."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def csrf_failure(request, reason=""):
    """A form sent with a token that is no longer the session's (signed out and in
    again in another tab, or a page left open for long): say so, and that the text is
    kept (static/js/drafts.js) on the page it came from."""
    referer = request.META.get("HTTP_REFERER", "")
    back = (
        referer
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    return render(request, "errors/403_csrf.html", {"back": back}, status=403)


def server_error(request):
    """Rendered without the request's context processors, which may be what failed."""
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
