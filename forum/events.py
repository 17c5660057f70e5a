"""The forum's domain events and the one registry through which others hear them.

`forum` publishes; `mailbridge` and `realtime` subscribe in their AppConfig.ready().
A subscriber registered with `atomic=True` runs inside the caller's transaction (it
must succeed or fail with the write, e.g. outbox rows); the others run after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_NAMES = frozenset(
    {
        "thread_created",
        "post_created",
        "post_edited",
        "post_hidden",
        "session_state_changed",
        "registration_changed",
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
