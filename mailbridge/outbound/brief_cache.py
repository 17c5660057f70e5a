"""What the copies of one mailing share, built once and kept a few seconds.

A mailing to a thousand people builds a thousand copies within seconds: their board
and list identity, or their shared message (questionnaire mail, confirmations), are
built for the first and used by the next ones for `seconds`, then built again, so
that a renamed board or session shows in the copies built a few seconds later, as the
sender re-checks a post. Past `size` keys, all are dropped (a handful are in use at
once). Shared by the outbox's sending threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class BriefCache(Generic[Value]):
    def __init__(self, seconds: float, size: int):
        self.seconds = seconds
        self.size = size
        self._kept: dict[Hashable, tuple[float, Value]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Value]) -> Value:
        """The value kept under `key` if built less than `seconds` ago, else `build()`'s."""
        now = time.monotonic()
        with self._lock:
            known = self._kept.get(key)
        if known is not None and now - known[0] < self.seconds:
            return known[1]
        built = build()
        with self._lock:
            if len(self._kept) >= self.size:
                self._kept.clear()
            self._kept[key] = (now, built)
        return built

    def clear(self) -> None:
        """Between tests, whose databases give ids again."""
        with self._lock:
            self._kept.clear()
