"""Read-only JSON API (docs/fixed-points.md, "Read-only JSON API"; shapes in docs/api.md).

Public data only: a private session, its threads and posts answer 404 to whoever
may not see them, exactly as something that does not exist (its existence is not
revealed). Errors are JSON objects `{"error": "..."}`. Only GET and HEAD: the API
writes nothing, so it needs no CSRF token and any other method gets 405.
"""

from __future__ import annotations

from functools import wraps

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from forum import selectors
from forum.permissions import can_see_session
from forum.selectors.published import posts_published, thread_published, threads_for_session
from forum.serializers import session_json, thread_json, thread_summary_json

ALLOWED_METHODS = ("GET", "HEAD")


def _json(data, status: int = 200) -> JsonResponse:
    # UTF-8 as is: French text stays readable (an "é", not its \u escape).
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(message: str, status: int) -> JsonResponse:
    return _json({"error": message}, status=status)


def read_only(view):
    """GET and HEAD only; anything else gets a JSON 405 with an Allow header."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ALLOWED_METHODS:
            response = _error(_("Cette API est en lecture seule : GET ou HEAD."), 405)
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        return view(request, *args, **kwargs)

    return wrapper


@read_only
def sessions(request):
    event = selectors.event_current()
    if event is None:
        return _json([])
    items = selectors.sessions_for_event(event=event, user=request.user)
    return _json([session_json(session, request) for session in items])


@read_only
def session_threads(request, slug: str):
    session = selectors.session_by_slug(slug=slug)
    if session is None or not can_see_session(request.user, session):
        return _error(_("Session introuvable."), 404)
    threads = threads_for_session(session=session)
    return _json([thread_summary_json(thread, request, event=session.event) for thread in threads])


@read_only
def thread(request, pk: str):
    found = thread_published(pk=pk, reader=request.user)
    if found is None:
        return _error(_("Fil introuvable."), 404)
    return _json(thread_json(found, posts_published(thread=found)))


def refused(request, exception) -> JsonResponse:
    """A refusal of the forum (NotAllowed) as the API's JSON 403 (forum.middleware)."""
    return _error(str(exception) or _("Vous n'avez pas le droit d'accéder à cette page."), 403)
