"""A logging filter that lets repeated lines through once per interval, with a count.

A loop that fails the same way on every turn writes the same line (often with a
traceback) thousands of times a second: a flood of connections that exhausted the
open files made asyncio's accept loop write "socket.accept() out of system resource"
until the disk filled. The log needs the first line and how many followed.

Per interval (60 s by default), `RepeatFilter` lets through:

- a line identical to one already written (same logger, level, text and exception
  type) once;
- lines of the same template (the unformatted message: "RCPT refused, %s %r from
  %s") `similar` times (20), for warnings and errors, and at every level for the
  loggers named in `noisy` (those that log per connection or per turn of a loop:
  asyncio, aiosmtpd's mail.log, the SMTP gateway); informational lines of other
  loggers (one per processed message, say) are left alone.

What it holds back is counted, and when the interval ends one line per template
says how many there were, with the last of them (no traceback): written by a timer
thread, so a flood that stops is still reported, and at the process's exit. The
filter goes on a handler (settings.LOGGING), so tests' log capture sees every record.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable

DEFAULT_NOISY = ("asyncio", "mail.log", "mailbridge.smtp")
# Distinct lines remembered per interval; beyond, the oldest interval's memory is
# dropped (a flood of distinct lines must not grow the filter without bound).
MAX_KEYS = 10_000


class RepeatFilter(logging.Filter):
    def __init__(
        self,
        interval: float = 60.0,
        similar: int = 20,
        noisy: Iterable[str] = DEFAULT_NOISY,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__()
        self.interval = float(interval)
        self.similar = int(similar)
        self.noisy = tuple(noisy)
        self.clock = clock
        self._lock = threading.Lock()
        self._ends = 0.0
        self._seen: dict[tuple, int] = {}
        # template key -> (records held back, the last of them)
        self._held: dict[tuple, tuple[int, logging.LogRecord]] = {}
        self._timer: threading.Timer | None = None
        # What is held when the process ends is reported too (before logging shuts down).
        atexit.register(_flush_if_alive, weakref.ref(self))

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "repeats", None) is not None:  # our own summary line
            return True
        exception = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        template = (record.name, record.levelno, str(record.msg), exception)
        exact = (*template, record.getMessage())
        due: list[logging.LogRecord] = []
        with self._lock:
            now = self.clock()
            if now >= self._ends:
                due = self._roll(now)
            if len(self._seen) >= MAX_KEYS:
                self._seen.clear()
            seen_exact = self._seen[exact] = self._seen.get(exact, 0) + 1
            passes = seen_exact == 1
            if passes and self._grouped(record):
                seen = self._seen[template] = self._seen.get(template, 0) + 1
                passes = seen <= self.similar
            if not passes:
                count, _last = self._held.get(template, (0, record))
                self._held[template] = (count + 1, record)
                self._arm()
        self._emit(due)
        return passes

    def _grouped(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return any(record.name == name or record.name.startswith(name + ".") for name in self.noisy)

    def _roll(self, now: float) -> list[logging.LogRecord]:
        """Start a new interval; the summaries of the one that ended. Lock held."""
        self._ends = now + self.interval
        self._seen.clear()
        held, self._held = self._held, {}
        return [_summary(count, last, self.interval) for count, last in held.values()]

    def _arm(self) -> None:
        """Make sure the held lines are reported when the interval ends. Lock held."""
        if self._timer is None:
            self._timer = threading.Timer(max(0.0, self._ends - self.clock()), self._on_timer)
            self._timer.daemon = True
            self._timer.start()

    def _on_timer(self) -> None:
        due: list[logging.LogRecord] = []
        with self._lock:
            self._timer = None
            if self.clock() >= self._ends:
                due = self._roll(self.clock())
            elif self._held:  # a line rolled the interval over meanwhile
                self._arm()
        self._emit(due)

    def flush(self) -> None:
        """Report what is held now, and start a new interval."""
        with self._lock:
            due = self._roll(self.clock())
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self._emit(due)

    @staticmethod
    def _emit(records: list[logging.LogRecord]) -> None:
        for record in records:
            logging.getLogger(record.name).handle(record)


def _flush_if_alive(reference: weakref.ref) -> None:
    repeat = reference()
    if repeat is not None:
        flush_quietly(repeat)


def flush_quietly(repeat: RepeatFilter) -> None:
    # At exit a handler's stream may be closed already (a test run's capture): the
    # count is then lost quietly, not with a traceback of the logging machinery.
    raising, logging.raiseExceptions = logging.raiseExceptions, False
    try:
        repeat.flush()
    finally:
        logging.raiseExceptions = raising


def _summary(count: int, last: logging.LogRecord, interval: float) -> logging.LogRecord:
    """One line for `count` records held back, `last` the latest of them."""
    record = logging.LogRecord(
        name=last.name,
        level=last.levelno,
        pathname=last.pathname,
        lineno=last.lineno,
        msg="%s [%d more like this in %g s, not logged]",
        args=(last.getMessage(), count, interval),
        exc_info=None,
        func=last.funcName,
        sinfo=None,
    )
    record.repeats = count
    return record
