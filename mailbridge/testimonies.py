"""Testimonies by mail, outbound: the author told of the review, and the "missing
testimony" reminders.

- `on_testimony_reviewed` (atomic subscriber of forum's `testimony_reviewed`): the
  author of a testimony held for review gets a notice, published (with its link) or
  refused (with the reason given), through the outbox.
- `testimony_reminders_write` (beat, `mailbridge.send_testimony_reminders`, hourly):
  for each session whose testimony settings name reminder days (default 7 and 2
  days before it starts), each person registered for it who has written no
  testimony and has not said they won't gets one reminder per day reached, three at
  most, with their write link and a signed "I won't write one" link. Deliveries of
  kind REMINDER, keyed `testimony-reminder:<session>:<n>` (unique with the address:
  a beat run twice writes nothing twice), with the list headers of the session's
  board like any list mail (List-Unsubscribe, bounces, DKIM).

The questionnaire's reminders are a sibling of this module; both follow the same
schedule rules.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from forum.models import (
    Registration,
    RegistrationStatus,
    Testimony,
    TestimonyCall,
    TestimonyStatus,
    TestimonyWriter,
)
from forum.reminder_schedule import reminder_times
from forum.selectors.testimonies import testimony_themes
from forum.testimony_tokens import decline_token
from mailbridge.inbound.notices import mail_write
from mailbridge.listmail import deliverable_people, deliveries_write, language_of, render_mail
from mailbridge.models import DeliveryKind

logger = logging.getLogger(__name__)


def on_testimony_reviewed(*, testimony_id: int, **_ignored) -> None:
    testimony = (
        Testimony.objects.select_related("session__event", "author__profile", "thread")
        .filter(pk=testimony_id)
        .first()
    )
    if testimony is None or testimony.status == TestimonyStatus.PENDING:
        return
    board = testimony.session.board
    people = deliverable_people(board=board, user_ids=[testimony.author_id]) if board else []
    if not people:
        logger.info("testimony %s reviewed: its author gets no mail", testimony_id)
        return
    person = people[0]
    site = settings.INTERCOOP_SITE_URL
    mail_write(
        address=person.mail_address,
        recipient=person,
        board=board,
        template="testimony_reviewed",
        context={
            "published": testimony.status == TestimonyStatus.PUBLISHED,
            "title": testimony.title,
            "session_title": testimony.session.title,
            "reason": testimony.refusal_reason,
            "thread_url": site + testimony.thread.get_absolute_url() if testimony.thread else "",
            "write_url": site + reverse("forum:testimony_write", args=[testimony.session.slug]),
            "site_url": site,
        },
        key=f"testimony-review:{testimony.pk}",
        language=language_of(person),
    )


def session_start(session) -> datetime:
    """When `session` starts, in the event's time zone (midnight without a time)."""
    start = datetime.combine(session.date, session.starts_at or datetime.min.time())
    return timezone.make_aware(start, timezone.get_default_timezone())


def reminders_due(call: TestimonyCall, now: datetime) -> int:
    """How many of the session's reminder days have come, before it starts."""
    start = session_start(call.session)
    if now >= start:
        return 0
    times = reminder_times(days=[int(day) for day in call.reminder_days or []], deadline=start)
    return sum(1 for _number, at in times if now >= at)


def testimony_reminders_write(*, now: datetime | None = None) -> int:
    """Write the reminders due now; returns how many."""
    now = now or timezone.now()
    written = 0
    calls = TestimonyCall.objects.select_related("session__event").exclude(reminder_days=[])
    for call in calls:
        due = reminders_due(call, now)
        if due:
            written += _session_reminders(call.session, due)
    return written


def _session_reminders(session, due: int) -> int:
    board = session.board
    if board is None:
        return 0
    registered = Registration.objects.filter(
        event=session.event, status=RegistrationStatus.CONFIRMED, sessions=session
    ).values_list("user_id", flat=True)
    wrote = Testimony.objects.filter(session=session).exclude(status=TestimonyStatus.REFUSED)
    writers = {w.person_id: w for w in TestimonyWriter.objects.filter(session=session)}
    candidates = [
        user_id
        for user_id in registered.exclude(user_id__in=wrote.values("author_id"))
        if not (writers.get(user_id) and writers[user_id].declined_at)
        and (writers[user_id].reminders_sent if user_id in writers else 0) < due
    ]
    written = 0
    site = settings.INTERCOOP_SITE_URL
    write_url = site + reverse("forum:testimony_write", args=[session.slug])
    theme_names = [name for _pk, name in testimony_themes(session=session)]
    for person in deliverable_people(board=board, user_ids=candidates):
        with transaction.atomic():
            writer, _created = TestimonyWriter.objects.select_for_update().get_or_create(
                session=session, person=person
            )
            if writer.declined_at or writer.reminders_sent >= due:
                continue
            number = writer.reminders_sent + 1
            token = decline_token(session_id=session.pk, user_id=person.pk)
            context = {
                "session": session,
                "number": number,
                "write_url": write_url,
                "decline_url": site + reverse("forum:testimony_decline", args=[token]),
                "address": f"{session.slug}+temoignage@{settings.INTERCOOP_MAIL_DOMAIN}",
                "site_url": site,
                "themes": theme_names,
            }
            payload = render_mail("testimony_reminder", context, language=language_of(person))
            written += deliveries_write(
                kind=DeliveryKind.REMINDER,
                key=f"testimony-reminder:{session.pk}:{number}",
                board=board,
                rows=[(person, payload)],
            )
            # Days reached together (a beat that did not run) make one reminder.
            writer.reminders_sent, writer.last_reminder_at = due, timezone.now()
            writer.save(update_fields=["reminders_sent", "last_reminder_at"])
    if written:
        logger.info("%d testimony reminders for session %s", written, session.slug)
    return written
