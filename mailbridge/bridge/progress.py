"""The progress line of a long command: messages done, rate, time left.

On a terminal the line is rewritten in place (a carriage return) at most every
TTY_EVERY seconds; elsewhere (a log, a pipe) a line is written every `every`
seconds, so a log holds a readable trace and not thousands of updates.
"""

from __future__ import annotations

import sys
import time

TTY_EVERY = 0.2


class Progress:
    def __init__(
        self, *, total_bytes: int, stream=None, every: float = 10.0, label: str = "", clock=None
    ):
        self.clock = clock or time.monotonic
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = TTY_EVERY if self.tty else every
        self.total = max(1, total_bytes)
        self.label = label
        self.started = self.last = self.clock()
        self.done = 0

    def line(self, done: int, done_bytes: int, now: float) -> str:
        elapsed = max(1e-6, now - self.started)
        rate = done / elapsed
        share = min(1.0, done_bytes / self.total)
        left = elapsed * (1 - share) / share if share > 0 else float("nan")
        left_text = "?" if left != left else f"{int(left) // 60}:{int(left) % 60:02d}"
        return (
            f"{self.label}{done} messages, {share:5.1%} of the files, "
            f"{rate:,.0f} messages/s, {left_text} left"
        )

    def update(self, done: int, done_bytes: int) -> None:
        now = self.clock()
        self.done = done
        if now - self.last < self.every:
            return
        self.last = now
        self._write(self.line(done, done_bytes, now))

    def finish(self, done: int) -> None:
        self._write(self.line(done, self.total, self.clock()), end=True)

    def _write(self, text: str, end: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if end else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
