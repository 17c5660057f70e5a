"""Load an event's programme from a TOML data file, idempotently."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.db import transaction

from forum.errors import SeedError
from forum.models import Board, Event, Session, SessionSegment

DEFAULT_PROGRAMME = Path(__file__).with_name("intercoop-2007.toml")

EVENT_FIELDS = ("name", "tagline", "starts_on", "ends_on", "timezone", "website", "presentation")
SESSION_FIELDS = ("number", "date", "title", "subtitle", "facilitators", "description")
SEGMENT_FIELDS = ("kind", "title", "description")


def _strip(values: dict, fields: tuple[str, ...]) -> dict:
    return {
        name: values[name].strip() if isinstance(values.get(name), str) else values.get(name)
        for name in fields
        if name in values
    }


@transaction.atomic
def programme_load(*, path: Path = DEFAULT_PROGRAMME) -> dict[str, int]:
    """Create or update the event, its sessions and their segments from `path`.

    Running it again with the same file changes nothing; fields an organiser edits at
    run time (registration open, session state, private flag) are only set on creation.
    Returns how many rows were created and updated.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        event_data = data["event"]
        sessions_data = data.get("sessions", [])
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise SeedError(f"cannot read the programme {path}: {exc}") from exc

    counts = {"created": 0, "updated": 0}

    def save(model, lookup: dict, values: dict, on_create: dict | None = None):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **values, **(on_create or {}))
            counts["created"] += 1
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
            counts["updated"] += 1
        return obj

    event = save(
        Event,
        {"slug": event_data["slug"]},
        _strip(event_data, EVENT_FIELDS),
        {"registration_open": event_data.get("registration_open", True)},
    )
    for session_data in sessions_data:
        session = save(
            Session,
            {"slug": session_data["slug"]},
            {"event": event, **_strip(session_data, SESSION_FIELDS)},
        )
        for segment_data in session_data.get("segments", []):
            save(
                SessionSegment,
                {"session": session, "order": segment_data["order"]},
                _strip(segment_data, SEGMENT_FIELDS),
            )
        save(
            Board,
            {"slug": session.slug},
            {"event": event, "session": session, "title": session.title},
            {"position": session.number},
        )
    general = data.get("general_board")
    if general:
        save(
            Board,
            {"slug": general["slug"]},
            {
                "event": event,
                "title": general["title"],
                "description": general.get("description", "").strip(),
            },
            {"position": 0},
        )
    _site_sync()
    return counts


def _site_sync() -> None:
    """Name the Django site after the product, so allauth's mails say "Intercoop"."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    domain = urlsplit(settings.INTERCOOP_SITE_URL).netloc or "localhost"
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": "Intercoop"}
    )
