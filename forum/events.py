"""The forum's domain events and the one registry through which others hear them.

`forum` publishes; `mailbridge` and `realtime` subscribe in their AppConfig.ready().
A subscriber registered with `atomic=True` runs inside the caller's transaction (it
must succeed or fail with the write, e.g. outbox rows); the others run after commit.

A caller that makes many writes in a row (a worker processing a chunk of stored
messages) wraps them in `batched()`: the work subscribers hand to `collect()` inside
it is done once at the end, for all the writes together (realtime numbers, stores
and sends the live pushes of a whole chunk in one go).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_NAMES = frozenset(
    {
        "access_changed",
        "thread_created",
        "post_created",
        "post_edited",
        "post_hidden",
        "session_state_changed",
        "registration_changed",
        "questionnaire_answered",
        "synthesis_projected",
        "testimony_submitted",
        "testimony_reviewed",
        "questionnaire_sent",
        "questionnaire_respondent",
        "account_deleting",
    }
)


@dataclass
class _Subscribers:
    atomic: list[Callable[..., Any]] = field(default_factory=list)
    after_commit: list[Callable[..., Any]] = field(default_factory=list)


_registry: dict[str, _Subscribers] = {name: _Subscribers() for name in EVENT_NAMES}


def _check(name: str) -> _Subscribers:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"unknown domain event {name!r}; known: {sorted(EVENT_NAMES)}") from None


def subscribe(name: str, handler: Callable[..., Any], *, atomic: bool = False) -> None:
    """Register `handler(**payload)` for event `name` (idempotent)."""
    subscribers = _check(name)
    target = subscribers.atomic if atomic else subscribers.after_commit
    if handler not in target:
        target.append(handler)


def publish(name: str, **payload: Any) -> None:
    """Call atomic subscribers now, the others once the current transaction commits."""
    subscribers = _check(name)
    for handler in subscribers.atomic:
        handler(**payload)
    for handler in subscribers.after_commit:
        transaction.on_commit(lambda h=handler: _run_safely(h, name, payload))


def _run_safely(handler: Callable[..., Any], name: str, payload: dict[str, Any]) -> None:
    # After commit the write has happened; a failing push must not turn it into an error.
    try:
        handler(**payload)
    except Exception:
        logger.exception("subscriber %s of %s failed", getattr(handler, "__name__", handler), name)


_batch = threading.local()


@contextmanager
def batched() -> Iterator[None]:
    """Inside this block, work handed to `collect()` waits for the block's end and is
    then done once per kind for everything collected. A block inside another joins
    it. Collected work is done even when the block raises: it belongs to writes that
    were committed."""
    if getattr(_batch, "work", None) is not None:
        yield
        return
    _batch.work = {}
    try:
        yield
    finally:
        work, _batch.work = _batch.work, None
        for key, (finish, items) in work.items():
            try:
                finish(items)
            except Exception:
                logger.exception("batched work %s failed (%d items)", key, len(items))


def collect(key: str, items: list[Any], finish: Callable[[list[Any]], Any]) -> bool:
    """Add `items` to the current `batched()` block's work named `key`, which ends with
    `finish(all the items)`; False when no block is open (do the work now)."""
    work = getattr(_batch, "work", None)
    if work is None:
        return False
    work.setdefault(key, (finish, []))[1].extend(items)
    return True
