"""At most one run of a costly push per key and interval, the last state always sent.

The synthesis of a questionnaire is re-rendered whole for each answer (its figures and
every free text so far): O(answers) for each answer, O(answers²) over a session's
answering. With answers arriving faster than one per interval, rendering each one
shows a reader nothing more than rendering the last, so `Coalescer.submit(key)`:

- runs at once (leading edge) when the key has not run for `interval` seconds: a lone
  answer is shown at once;
- otherwise schedules one run at the end of the interval (trailing edge), and later
  submits before it fires join it: the run reads the state when it fires, after every
  commit that asked for it, so the reader's last view is the state after the last
  answer, at most `interval` later;
- a submit that arrives while a run is reading the state schedules another: nothing
  committed during a render is left unsent.

Per process (a dictionary and a timer thread): with several processes (web workers,
Celery workers) each coalesces its own answers, so a key runs at most once per
interval in each. The trailing run is a non-daemon `threading.Timer`: a process that
exits normally waits for it (at most `interval`); one killed within the interval
loses it, and its readers get the state with the group's next push or on reload.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)


@dataclass
class _Slot:
    last_run: float = float("-inf")
    timer: threading.Timer | None = None


class Coalescer:
    def __init__(self, run: Callable[[Hashable], None], interval: Callable[[], float]):
        self._run = run
        self._interval = interval
        self._lock = threading.Lock()
        self._slots: dict[Hashable, _Slot] = {}

    def submit(self, key: Hashable) -> None:
        interval = self._interval()
        if interval <= 0:
            self._run(key)
            return
        now = time.monotonic()
        with self._lock:
            slot = self._slots.setdefault(key, _Slot())
            if slot.timer is not None:
                return  # the scheduled run has not read the state yet: it will see this
            wait = slot.last_run + interval - now
            if wait <= 0:
                slot.last_run = now
            else:
                slot.timer = threading.Timer(wait, self._fire, args=(key,))
                slot.timer.name = f"coalesce-{key}"
                slot.timer.start()
                return
        self._run(key)

    def _fire(self, key: Hashable) -> None:
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:  # reset() meanwhile
                return
            slot.timer = None
            slot.last_run = time.monotonic()  # before reading: a later submit waits again
        try:
            close_old_connections()
            self._run(key)
        except Exception:
            logger.exception("coalesced run for %s failed", key)
        finally:
            connection.close()  # this thread's own connection, opened for the run

    def pending(self) -> list[Hashable]:
        with self._lock:
            return [key for key, slot in self._slots.items() if slot.timer is not None]

    def flush(self) -> None:
        """Run now what is scheduled (the tests; a process about to stop)."""
        with self._lock:
            due = [key for key, slot in self._slots.items() if slot.timer is not None]
            for key in due:
                self._slots[key].timer.cancel()
                self._slots[key].timer = None
                self._slots[key].last_run = time.monotonic()
        for key in due:
            self._run(key)

    def reset(self) -> None:
        """Forget every key, cancelling what is scheduled (between tests)."""
        with self._lock:
            for slot in self._slots.values():
                if slot.timer is not None:
                    slot.timer.cancel()
            self._slots.clear()
