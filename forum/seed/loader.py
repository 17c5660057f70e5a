"""Load an event's programme from a TOML data file, idempotently."""

from __future__ import annotations

import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction

from forum.errors import SeedError
from forum.models import Board, Event, Session, SessionSegment
from forum.seed.questionnaire import questionnaire_check, questionnaire_seed
from forum.services.site import site_sync
from forum.services.testimonies import testimony_call_for

DEFAULT_PROGRAMME = Path(__file__).with_name("intercoop-2007.toml")

EVENT_FIELDS = ("name", "tagline", "starts_on", "ends_on", "timezone", "website", "presentation")
SESSION_FIELDS = (
    "number",
    "date",
    "title",
    "subtitle",
    "facilitators",
    "description",
    "shows_library",
)
SEGMENT_FIELDS = ("kind", "title", "description")

# What each table of the file must name; the rest has model defaults.
EVENT_REQUIRED = ("slug", "name", "starts_on", "ends_on")
SESSION_REQUIRED = ("slug", "number", "date", "title")
SEGMENT_REQUIRED = ("order", "kind", "title")
GENERAL_BOARD_REQUIRED = ("slug", "title")


def _strip(values: dict, fields: tuple[str, ...]) -> dict:
    return {
        name: values[name].strip() if isinstance(values.get(name), str) else values.get(name)
        for name in fields
        if name in values
    }


def _table(value, where: str, required: tuple[str, ...]) -> dict:
    if value is None:
        raise SeedError(f"there is no [{where}] table")
    if not isinstance(value, dict):
        raise SeedError(f"{where} must be a table, not {type(value).__name__}")
    missing = [name for name in required if name not in value]
    if missing:
        raise SeedError(f"{where} lacks {', '.join(missing)}")
    return value


def _tables(value, where: str, required: tuple[str, ...]) -> list[dict]:
    if not isinstance(value, list):
        raise SeedError(f"{where} must be an array of tables ([[{where}]])")
    return [_table(item, f"{where}[{index}]", required) for index, item in enumerate(value)]


def _read(path: Path) -> tuple[dict, list[dict], dict | None]:
    """The event, session and general-board tables, checked for shape before any write."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"cannot read the programme {path}: {exc}") from exc
    try:
        event_data = _table(data.get("event"), "event", EVENT_REQUIRED)
        try:
            ZoneInfo(event_data.get("timezone", "Europe/Paris"))
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise SeedError(f"event.timezone {event_data.get('timezone')!r} is unknown") from exc
        sessions_data = _tables(data.get("sessions", []), "sessions", SESSION_REQUIRED)
        for index, session_data in enumerate(sessions_data):
            where = f"sessions[{index}].segments"
            _tables(session_data.get("segments", []), where, SEGMENT_REQUIRED)
            if "questionnaire" in session_data:
                questionnaire_check(
                    session_data["questionnaire"], f"sessions[{index}].questionnaire"
                )
        general = data.get("general_board")
        if general is not None:
            _table(general, "general_board", GENERAL_BOARD_REQUIRED)
    except SeedError as exc:
        raise SeedError(f"programme {path}: {exc}") from exc
    return event_data, sessions_data, general


@transaction.atomic
def programme_load(*, path: Path = DEFAULT_PROGRAMME) -> dict[str, int]:
    """Create or update the event, its sessions, their segments and the boards (one per
    session, plus the event's general board) from `path`, and a session's draft
    questionnaire when it has none yet.

    Running it again with the same file changes nothing; fields an organiser edits at
    run time (registration open, session state, private flag) are only set on creation,
    and a questionnaire, the facilitators' from then on, is never written again.
    A malformed file raises SeedError naming what is wrong, and writes nothing.
    Returns how many rows were created and updated.
    """
    event_data, sessions_data, general = _read(path)
    counts = {"created": 0, "updated": 0}

    def save(model, lookup: dict, values: dict, where: str, on_create: dict | None = None):
        obj = model.objects.filter(**lookup).first()
        created = obj is None
        if created:
            obj = model(**lookup, **values, **(on_create or {}))
            changed = None
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if not changed:
                return obj
            for name in changed:
                setattr(obj, name, values[name])
        try:
            # Field checks only (lengths, choices, dates); uniqueness is the lookup's.
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise SeedError(f"programme {path}: {where}: {_describe(exc)}") from exc
        obj.save(update_fields=changed)
        counts["created" if created else "updated"] += 1
        return obj

    event = save(
        Event,
        {"slug": event_data["slug"]},
        _strip(event_data, EVENT_FIELDS),
        "event",
        {"registration_open": event_data.get("registration_open", True)},
    )
    for index, session_data in enumerate(sessions_data):
        session = save(
            Session,
            {"slug": session_data["slug"]},
            {"event": event, **_strip(session_data, SESSION_FIELDS)},
            f"sessions[{index}] ({session_data['slug']})",
        )
        for segment_data in session_data.get("segments", []):
            save(
                SessionSegment,
                {"session": session, "order": segment_data["order"]},
                _strip(segment_data, SEGMENT_FIELDS),
                f"sessions[{index}].segments (order {segment_data['order']})",
            )
        if "questionnaire" in session_data:
            try:
                counts["created"] += questionnaire_seed(
                    session=session,
                    data=session_data["questionnaire"],
                    where=f"sessions[{index}].questionnaire",
                )
            except SeedError as exc:
                raise SeedError(f"programme {path}: {exc}") from exc
            # The method's testimonies too: the announcement's themes, the default
            # reminders (made once; the facilitators' from then on).
            testimony_call_for(session)
        save(
            Board,
            {"slug": session.slug},
            {"event": event, "session": session, "title": session.title},
            f"board of sessions[{index}]",
            {"position": session.number},
        )
    if general is not None:
        save(
            Board,
            {"slug": general["slug"]},
            {
                "event": event,
                "title": general["title"].strip(),
                "description": general.get("description", "").strip(),
            },
            "general_board",
            {"position": 0},
        )
    site_sync()
    return counts


def _describe(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(message) for message in messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(str(message) for message in error.messages)
