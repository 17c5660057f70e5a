"""Read-only JSON API (design.md, "Read-only JSON API")."""

from django.http import JsonResponse

from forum import selectors
from forum.serializers import session_json


def sessions(request):
    event = selectors.event_current()
    if event is None:
        return JsonResponse([], safe=False)
    items = selectors.sessions_for_event(event=event, user=request.user)
    return JsonResponse([session_json(session, request) for session in items], safe=False)
