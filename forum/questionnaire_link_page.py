"""The form page of a personal link, shared by everyone who opens theirs with nothing
typed yet and without signing in.

That page is the same for all of them, in one language, but for three things: the
link's token (in the form's addresses and in the "next" address of the sign-in link
and of the language form), the person's id (in the key under which the browser keeps
a draft) and the forms' CSRF tokens. It is rendered once with marks in the place of
the first two, cut around the CSRF tokens (forum/page_gaps.py), and kept by the
process under the questionnaire's version (forum/questionnaire_cache.py) for a
minute at most, so that a change of the event's name or address, which is not the
questionnaire's, shows within a minute. Each request joins its own values in.

A page that shows something of the person (what they typed or sent), a
visitor signed in (the header shows their menu), a message waiting for them or an
address with a query string is rendered whole, as before.
"""

from __future__ import annotations

import copy
import time
import types
from collections.abc import Callable
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation

from forum import questionnaire_cache
from forum.page_gaps import cut, fill

# Marks that HTML escaping leaves as they are; the token's has a colon, as a token has,
# so that its URL-encoded form (the "next" parameter of the sign-in link) is told apart.
_TOKEN = "tokenmark:link"
_TOKEN_QUOTED = quote(_TOKEN, safe="/")
_PERSON = "personmark"
_MARKS = {
    "link-token": _TOKEN.encode(),
    "link-token-quoted": _TOKEN_QUOTED.encode(),
    "link-person": _PERSON.encode(),
}
KEEP_SECONDS = 60


def shareable(request) -> bool:
    """Whether the request may be served the shared page (its person aside)."""
    return (
        not request.user.is_authenticated
        and not request.META.get("QUERY_STRING")
        and not messages.get_messages(request)
    )


def served(request, token: str, person_id: int, questionnaire, render: Callable) -> HttpResponse:
    """The shared page, with this request's token, person and CSRF tokens.
    `render(request, person, urls)` renders the page as a request with that token
    would be served it (urls: the link's form, draft and done addresses)."""
    language = translation.get_language() or "fr"
    minute = int(time.time() // KEEP_SECONDS)
    parts = questionnaire_cache.cached(
        questionnaire.pk,
        f"link-page:{language}:{minute}",
        lambda: _made(request, render),
        seconds=KEEP_SECONDS,
    )
    given = {
        "link-token": token.encode(),
        "link-token-quoted": quote(token, safe="/").encode(),
        "link-person": str(person_id).encode(),
    }
    return HttpResponse(fill(parts, request, given))


def _made(request, render: Callable) -> tuple:
    shadow = _with_path(request, reverse("forum:questionnaire_link", args=[_TOKEN]))
    person = types.SimpleNamespace(pk=_PERSON)
    response = render(shadow, person, link_urls(_TOKEN))
    return cut(response.content, _MARKS)


def link_urls(token: str) -> tuple[str, str, str]:
    """The link's form, draft and done addresses."""
    return (
        reverse("forum:questionnaire_link", args=[token]),
        reverse("forum:questionnaire_link_draft", args=[token]),
        reverse("forum:questionnaire_link_done", args=[token]),
    )


def _with_path(request, path: str):
    """The request as if it had asked for `path`: a shallow copy, whose headers, cookies
    and CSRF state are the request's own objects."""
    shadow = copy.copy(request)
    shadow.path = shadow.path_info = path
    return shadow
