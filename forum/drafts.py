"""Telling the browser a compose box's post was accepted, so that it forgets its draft.

static/js/drafts.js keeps what is typed in a compose box in the browser, under the path
the form posts to, until the post is accepted. The view that accepted it says so with a
cookie naming that path, set on its redirect: the next page, whichever it is and
however it is cached, reads it and forgets the draft. A page that refused the post (a
form error, a CSRF failure, a server error) sets nothing, so the draft stays.
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse

ACCEPTED_COOKIE = "intercoop_draft_sent"


def draft_accepted(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # Read by the script, so not HttpOnly; it names a path of the site, nothing secret.
    response.set_cookie(
        ACCEPTED_COOKIE, quote(request.path, safe=""), max_age=300, path="/", samesite="Lax"
    )
    return response
