"""Repeated log lines are written once per interval, then counted (config/log_repeats.py)."""

from __future__ import annotations

import asyncio
import errno
import io
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from config.log_repeats import RepeatFilter

ROOT = Path(__file__).resolve().parent.parent


class Clock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def written():
    """A logger writing to a string through a handler carrying the filter, as the
    console handler of settings.LOGGING does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    filters = []

    def attach(name: str, **options) -> tuple[logging.Logger, RepeatFilter]:
        repeat = RepeatFilter(**options)
        handler.addFilter(repeat)
        filters.append(repeat)
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        return logger, repeat

    yield stream, attach
    for name in ("test.flood", "asyncio", "mailbridge.smtp.test", "test.quiet"):
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    for repeat in filters:
        handler.removeFilter(repeat)


def _lines(stream: io.StringIO) -> list[str]:
    return [
        line
        for line in stream.getvalue().splitlines()
        if line.startswith(("ERROR", "WARN", "INFO"))
    ]


def test_a_flood_of_identical_records_gives_the_first_and_one_line_with_a_count(written):
    stream, attach = written
    clock = Clock()
    logger, repeat = attach("test.flood", interval=60, clock=clock)
    for _ in range(10_000):
        try:
            raise OSError(errno.EMFILE, "Too many open files")
        except OSError:
            logger.exception("socket.accept() out of system resource")
    clock.now += 61
    logger.error("something else")  # the next interval: what was held is reported first
    lines = _lines(stream)
    assert lines == [
        "ERROR test.flood: socket.accept() out of system resource",
        "ERROR test.flood: socket.accept() out of system resource "
        "[9999 more like this in 60 s, not logged]",
        "ERROR test.flood: something else",
    ]
    assert stream.getvalue().count("Traceback") == 1
    assert len(stream.getvalue()) < 2_000


def test_the_count_is_written_when_the_interval_ends_even_if_nothing_follows(written):
    stream, attach = written
    logger, repeat = attach("test.flood", interval=0.2)
    for _ in range(500):
        logger.warning("relay unavailable, %d deliveries wait", 3)
    deadline = time.monotonic() + 5
    while "more like this" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _lines(stream) == [
        "WARNING test.flood: relay unavailable, 3 deliveries wait",
        "WARNING test.flood: relay unavailable, 3 deliveries wait "
        "[499 more like this in 0.2 s, not logged]",
    ]


def test_a_flush_reports_what_is_held_once_and_nothing_later(written):
    stream, attach = written
    logger, repeat = attach("test.flood", interval=0.2)
    for _ in range(50):
        logger.warning("relay unavailable, %d deliveries wait", 3)
    repeat.flush()
    time.sleep(0.4)  # past the interval the timer would have ended
    assert _lines(stream) == [
        "WARNING test.flood: relay unavailable, 3 deliveries wait",
        "WARNING test.flood: relay unavailable, 3 deliveries wait "
        "[49 more like this in 0.2 s, not logged]",
    ]
    assert repeat._timer is None


def test_similar_lines_of_a_loop_are_let_through_a_few_times_per_interval(written):
    stream, attach = written
    clock = Clock()
    logger, repeat = attach("mailbridge.smtp.test", interval=60, similar=3, clock=clock)
    for number in range(100):
        logger.info(
            "RCPT refused, unknown address %r from %s", f"x{number}@lists.test", "192.0.2.1"
        )
    repeat.flush()
    lines = _lines(stream)
    assert len(lines) == 4
    assert lines[3].endswith(
        "'x99@lists.test' from 192.0.2.1 [97 more like this in 60 s, not logged]"
    )


def test_distinct_information_of_other_loggers_is_left_alone(written):
    stream, attach = written
    logger, repeat = attach("test.quiet", interval=60, similar=3, clock=Clock())
    for number in range(50):
        logger.info("inbound %s from %s: posted", number, "marie@exemple.org")
    assert len(_lines(stream)) == 50


def test_asyncios_accept_error_goes_through_the_filter(written):
    # What asyncio's loop logs for each failed accept when the open files run out.
    stream, attach = written
    logger, repeat = attach("asyncio", interval=60, clock=Clock())
    loop = asyncio.new_event_loop()
    listening = socket.socket()
    try:
        for _ in range(2_000):
            loop.call_exception_handler(
                {
                    "message": "socket.accept() out of system resource",
                    "exception": OSError(errno.EMFILE, "Too many open files"),
                    "socket": listening,
                }
            )
    finally:
        loop.close()
        listening.close()
    repeat.flush()
    text = stream.getvalue()
    assert len(_lines(stream)) == 2  # the first, with its socket, and the count
    assert text.count("Traceback") <= 1 and "[1999 more like this in 60 s, not logged]" in text


def test_the_console_handler_of_the_settings_carries_the_filter():
    assert settings.LOGGING["filters"]["repeats"]["()"] == "config.log_repeats.RepeatFilter"
    assert "repeats" in settings.LOGGING["handlers"]["console"]["filters"]


def test_what_is_held_is_reported_when_the_process_ends(tmp_path):
    script = (
        "import logging, sys\n"
        "from config.log_repeats import RepeatFilter\n"
        "handler = logging.StreamHandler(sys.stderr)\n"
        "handler.addFilter(RepeatFilter(interval=3600))\n"
        "logging.getLogger().addHandler(handler)\n"
        "for _ in range(1000):\n"
        "    logging.getLogger('gateway').warning('connection refused')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.stderr.splitlines() == [
        "connection refused",
        "connection refused [999 more like this in 3600 s, not logged]",
    ]
