"""Plain dicts for the JSON API; the shape is a fixed point of design.md."""

from datetime import datetime, time
from zoneinfo import ZoneInfo


def _moment(session, at: time | None, default: time) -> str:
    tz = ZoneInfo(session.event.timezone)
    return datetime.combine(session.date, at or default, tzinfo=tz).isoformat()


def session_json(session, request) -> dict:
    return {
        "slug": session.slug,
        "title": session.title,
        "starts_at": _moment(session, session.starts_at, time(0, 0)),
        "ends_at": _moment(session, session.ends_at, time(23, 59, 59)),
        "list_address": session.list_address,
        "url": request.build_absolute_uri(session.get_absolute_url()),
    }
