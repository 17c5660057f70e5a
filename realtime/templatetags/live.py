"""`{% live_stream kind object as stream %}`: the websocket path of a live page and the
seq the page is rendered at, for realtime/_live_script.html."""

from __future__ import annotations

from django import template

from realtime import store
from realtime.groups import board_group, session_group, synthesis_group, thread_group

register = template.Library()

# The websocket routes of realtime/routing.py, by the kind of page.
STREAMS = {
    "thread": (thread_group, lambda obj: f"/ws/threads/{obj.pk}/"),
    "board": (board_group, lambda obj: f"/ws/boards/{obj.slug}/"),
    "session": (session_group, lambda obj: f"/ws/sessions/{obj.slug}/live/"),
    "synthesis": (synthesis_group, lambda obj: f"/ws/sessions/{obj.slug}/synthese/"),
}


@register.simple_tag
def live_stream(kind: str, obj) -> dict:
    try:
        group_of, path_of = STREAMS[kind]
    except KeyError:
        raise template.TemplateSyntaxError(f"unknown live stream {kind!r}") from None
    return {"path": path_of(obj), "seq": store.seq_for_page(group_of(obj.pk))}
