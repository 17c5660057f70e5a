"""A reminder schedule: "so many days before a deadline", at most MAX_REMINDERS.

Written as the facilitator types it, e.g. "7, 2" (days before closing), stored as
that text, read here. Which reminder is due is a pure computation over the
deadline, the moment the thing was first sent and now: the periodic task that sends
reminders asks `reminder_due` and keys what it sends by the reminder's number, so
running it twice sends nothing twice. Shared by whatever sends reminders ahead of a
deadline (the questionnaire's today).
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from forum.errors import UserError

MAX_REMINDERS = 3
MAX_DAYS = 365
DEFAULT_SCHEDULE = "7, 2"


def schedule_parse(text: str) -> list[int]:
    """The days before the deadline, largest first; UserError when unreadable.

    Empty text means no reminders. Duplicates are dropped."""
    parts = [part for part in re.split(r"[\s,;]+", (text or "").strip()) if part]
    days = set()
    for part in parts:
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= MAX_DAYS:
            raise UserError(
                _("Indiquez des nombres de jours entre 1 et %(max)d, séparés par des virgules.")
                % {"max": MAX_DAYS},
                code="reminder_days",
            )
        days.add(int(part))
    if len(days) > MAX_REMINDERS:
        raise UserError(
            _("Au plus %(count)d relances.") % {"count": MAX_REMINDERS}, code="reminder_count"
        )
    return sorted(days, reverse=True)


def schedule_format(days: list[int]) -> str:
    return ", ".join(str(day) for day in days)


def reminder_times(
    *, days: list[int], deadline: datetime.datetime
) -> list[tuple[int, datetime.datetime]]:
    """(reminder number from 1, when it is due), earliest first."""
    return [
        (number, deadline - datetime.timedelta(days=day))
        for number, day in enumerate(sorted(days, reverse=True)[:MAX_REMINDERS], start=1)
    ]


def reminder_due(
    *,
    days: list[int],
    deadline: datetime.datetime,
    sent_at: datetime.datetime,
    now: datetime.datetime,
) -> int | None:
    """The number of the reminder to send now, or None.

    A reminder whose time came before the first sending is skipped (the first mail
    was its reminder); of several due at once (the periodic task was stopped), only
    the latest goes: people are not sent two reminders in a row.
    """
    if now >= deadline:
        return None
    due = [
        number for number, at in reminder_times(days=days, deadline=deadline) if sent_at < at <= now
    ]
    return due[-1] if due else None
