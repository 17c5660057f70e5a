"""The import's progress line: rate and time left, in place on a terminal, a line
every few seconds in a log."""

from __future__ import annotations

import io

from mailbridge.bridge.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_log_gets_a_line_every_few_seconds_with_rate_and_time_left():
    clock = iter([0.0, 1.0, 12.0, 13.0, 25.0])
    log = io.StringIO()
    progress = Progress(total_bytes=1000, stream=log, every=10.0, clock=lambda: next(clock))
    progress.update(100, 100)  # 1 s: too soon
    progress.update(1200, 500)  # 12 s: a line
    progress.update(1300, 520)  # 13 s: too soon
    progress.update(2500, 1000)  # 25 s: a line
    lines = log.getvalue().splitlines()
    assert lines == [
        "1200 messages, 50.0% of the files, 100 messages/s, 0:12 left",
        "2500 messages, 100.0% of the files, 100 messages/s, 0:00 left",
    ]


def test_a_terminal_gets_one_line_rewritten_in_place():
    clock = iter([0.0, 1.0, 2.0, 3.0])
    screen = Terminal()
    progress = Progress(total_bytes=1000, stream=screen, clock=lambda: next(clock))
    progress.update(10, 250)
    progress.update(20, 500)
    progress.finish(40)
    written = screen.getvalue()
    assert written.count("\r\x1b[K") == 3 and written.count("\n") == 1
    assert written.endswith("40 messages, 100.0% of the files, 13 messages/s, 0:00 left\n")
