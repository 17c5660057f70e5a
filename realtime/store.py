"""The catch-up store: numbering pushes per group, replaying them, forgetting old ones.

Every function is synchronous (ORM); consumers call them through
`database_sync_to_async`. The wire form of an event (`as_message`) is what goes
through the channel layer and what a replay reads back, so a live push and a
replayed one are the same dict.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from realtime.models import LiveEvent, LiveGroup

# What the store keeps per group: the last KEEP_EVENTS, none older than KEEP_FOR.
# A browser away for longer is told to reload (a "reset" message).
KEEP_EVENTS = 500
KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = 50

# The seq a page renders is that of the events stored more than this long before
# the page is rendered: every such event was committed before the page's queries
# ran, so the page shows its effect. Younger events are replayed on connect; the
# fragments are idempotent (append-or-replace by element id), so replaying one the
# page already shows changes nothing.
PAGE_MARGIN = timedelta(seconds=5)

# Channel layer message type: Channels calls the consumer's `live_event` method.
EVENT_MESSAGE = "live.event"


@dataclass(frozen=True)
class Push:
    """One fragment for one group, before it is numbered."""

    group: str
    kind: str
    op: str
    target: str
    html: dict[str, str]
    container: str = ""
    subject: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def record(push: Push) -> LiveEvent:
    """Number `push` in its group and store it (see record_many)."""
    return record_many([push])[0]


def record_many(pushes: list[Push]) -> list[LiveEvent]:
    """Number each push in its group and store them all, in one transaction.

    Each group's counter row is raised once by its number of pushes (UPDATE … SET
    last_seq = last_seq + n … RETURNING), which locks it until commit: concurrent
    writers of the same group queue there, on PostgreSQL as on SQLite (whose
    IMMEDIATE transactions serialise all writers). Counters are taken in the order
    of their names, by every writer, so two writers never wait for each other in a
    circle. Within a group, pushes are numbered in the order given.
    """
    counts = Counter(push.group for push in pushes)
    with transaction.atomic():
        lasts = _raise_seqs_together(counts) if len(counts) > 1 else None
        if lasts is None:
            lasts = {group: _raise_seq(group, counts[group]) for group in sorted(counts)}
        seqs = {
            group: iter(range(last - counts[group] + 1, last + 1)) for group, last in lasts.items()
        }
        events = [
            LiveEvent(
                group=push.group,
                seq=next(seqs[push.group]),
                kind=push.kind,
                subject=push.subject,
                html=push.html,
                payload={
                    "op": push.op,
                    "target": push.target,
                    "container": push.container,
                    "data": push.data,
                },
            )
            for push in pushes
        ]
        return _insert(events)


_INCREMENT = "UPDATE {table} SET last_seq = last_seq + %s WHERE name = %s RETURNING last_seq"


def _raise_seq(group: str, count: int) -> int:
    """Add `count` to `group`'s counter; its new value."""
    sql = _INCREMENT.format(table=connection.ops.quote_name(LiveGroup._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, group])
        row = cursor.fetchone()
        if row is None:
            _create_counter(group)
            cursor.execute(sql, [count, group])
            row = cursor.fetchone()
    return row[0]


_INSERT_ALL = (
    'INSERT INTO {table} ("group", seq, kind, subject, html, payload, created_at) '
    "SELECT * FROM unnest(%b::text[], %b::bigint[], %b::text[], %b::text[], %b::jsonb[], "
    "%b::jsonb[], %b::timestamptz[]) RETURNING id"
)


def _insert(events: list[LiveEvent]) -> list[LiveEvent]:
    """Store the events; on PostgreSQL as binary parameters: bulk_create binds them
    into the SQL text, escaping every character of every fragment, several per post
    (docs/benchmarks.md, "Costs behind the code")."""
    if connection.vendor != "postgresql":
        return LiveEvent.objects.bulk_create(events)
    import psycopg
    from psycopg.types.json import Jsonb

    sql = _INSERT_ALL.format(table=connection.ops.quote_name(LiveEvent._meta.db_table))
    columns = [
        [event.group for event in events],
        [event.seq for event in events],
        [event.kind for event in events],
        [event.subject for event in events],
        [Jsonb(event.html) for event in events],
        [Jsonb(event.payload) for event in events],
        [event.created_at for event in events],
    ]
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, columns)
        for event, (pk,) in zip(events, cursor.fetchall(), strict=True):
            event.pk = event.id = pk
            event._state.adding = False
    return events


_UPSERT_ALL = (
    "INSERT INTO {table} AS g (name, last_seq) "
    "SELECT name, n FROM unnest(%s::text[], %s::bigint[]) AS v(name, n) ORDER BY name "
    "ON CONFLICT (name) DO UPDATE SET last_seq = g.last_seq + EXCLUDED.last_seq "
    "RETURNING g.name, g.last_seq"
)


def _raise_seqs_together(counts: Counter) -> dict[str, int] | None:
    """On PostgreSQL, every group's counter raised (or created) in one statement, the
    rows taken in name order like every writer does; None on SQLite (the caller
    takes them one by one, in the same order)."""
    if connection.vendor != "postgresql":
        return None
    names = sorted(counts)
    sql = _UPSERT_ALL.format(table=connection.ops.quote_name(LiveGroup._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [names, [counts[name] for name in names]])
        return dict(cursor.fetchall())


def _create_counter(group: str) -> None:
    try:
        with transaction.atomic():
            LiveGroup.objects.create(name=group, last_seq=0)
    except IntegrityError:
        pass  # another writer created it first; its row is what we increment


def as_message(event: LiveEvent) -> dict[str, Any]:
    """The channel-layer message for a stored event (all languages)."""
    payload = event.payload
    return {
        "type": EVENT_MESSAGE,
        "group": event.group,
        "seq": event.seq,
        "kind": event.kind,
        "op": payload.get("op", ""),
        "target": payload.get("target", ""),
        "container": payload.get("container", ""),
        "html": event.html,
        "data": payload.get("data", {}),
    }


@dataclass(frozen=True)
class Replay:
    """What a client that applied everything up to `after` must receive.

    `complete` is False when some of the events it missed are no longer kept (or
    the store was reset): the client must reload the page instead.
    """

    messages: list[dict[str, Any]]
    last_seq: int
    complete: bool


def replay(
    group: str, *, after: int, before: int | None = None, known: int | None = None
) -> Replay:
    """The stored events of `group` with after < seq (< before when given), in order.

    `known`: a seq of the group known committed, every later one pushed to the caller
    (realtime.fanout): the replay stops there, without reading the group's counter."""
    last = last_seq(group) if known is None else known
    if after > last:
        return Replay([], last, complete=False)  # the store was reset under the client
    upper = last if before is None else min(before - 1, last)
    if upper <= after:
        return Replay([], last, complete=True)
    if upper - after > KEEP_EVENTS:
        return Replay([], last, complete=False)
    events = LiveEvent.objects.filter(group=group, seq__gt=after, seq__lte=upper).order_by("seq")
    messages = [as_message(event) for event in events]
    # The counter is incremented in the transaction that writes the event, so every
    # seq up to `last` is committed: a missing one has been pruned.
    return Replay(messages, last, complete=len(messages) == upper - after)


def last_seq(group: str) -> int:
    """The seq of the latest event of `group` (0 when it never had one)."""
    return LiveGroup.objects.filter(name=group).values_list("last_seq", flat=True).first() or 0


def seq_for_page(group: str) -> int:
    """The seq a page about `group` renders for its script (see PAGE_MARGIN)."""
    cutoff = timezone.now() - PAGE_MARGIN
    kept = LiveEvent.objects.filter(group=group).aggregate(
        oldest=Min("seq"), settled=Max("seq", filter=Q(created_at__lt=cutoff))
    )
    if kept["settled"] is not None:
        return kept["settled"]
    if kept["oldest"] is not None:
        # Every kept event is young: those before them (forgotten) are old.
        return kept["oldest"] - 1
    return last_seq(group)


def prune(group: str) -> int:
    """Forget the events of `group` beyond KEEP_EVENTS or older than KEEP_FOR."""
    newest = last_seq(group)
    deleted, _ = (
        LiveEvent.objects.filter(group=group)
        .filter(Q(seq__lte=newest - KEEP_EVENTS) | Q(created_at__lt=timezone.now() - KEEP_FOR))
        .delete()
    )
    return deleted


def prune_when_due(event: LiveEvent) -> int:
    """Prune `event`'s group once every PRUNE_EVERY events: a group then keeps at most
    KEEP_EVENTS + PRUNE_EVERY events, and a push costs no DELETE."""
    return prune(event.group) if event.seq % PRUNE_EVERY == 0 else 0


def events_about(subject: str):
    """The kept events whose fragment shows `subject` ("post:42")."""
    return LiveEvent.objects.filter(subject=subject)
