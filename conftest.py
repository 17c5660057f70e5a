"""The whole suite's fixtures that pytest-django asks for by name (a plugin such as
config/testing.py cannot override them)."""

import os

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, the test database is a file in the worker's data dir rather than
    Django's shared in-memory database. In memory, SQLite's shared cache locks whole
    tables: a consumer reading in its thread while the test writes in another fails at
    once with "database table is locked", where a file waits on the busy timeout as
    production does (config/env.py: WAL, IMMEDIATE, 20 s)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = os.path.join(os.environ["INTERCOOP_DATA_DIR"], "test.sqlite3")
        database.setdefault("TEST", {})["NAME"] = name


@pytest.fixture(autouse=True)
def _no_process_state_left():
    # realtime.coalesce keeps per-process timers: none may fire in a later test; the
    # outbox's board cache would name a board of an earlier test with the same id.
    yield
    from mailbridge.outbound.payload_message import forget_boards
    from mailbridge.questionnaires import confirmation
    from realtime.publish import synthesis_pushes

    synthesis_pushes.reset()
    forget_boards()
    confirmation.forget()
    _flush_repeat_filters()


def _flush_repeat_filters():
    """Report the log lines a test held back while its captured stream is open: left
    armed, the filter's timer would write them a minute later from its own thread
    into a closed stream, and that thread's traceback (which CPython 3.11 lays out
    with the ast module, not thread-safe there) can break a test parsing source."""
    import logging

    from config.log_repeats import RepeatFilter, flush_quietly

    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            for found in handler.filters:
                if isinstance(found, RepeatFilter):
                    flush_quietly(found)
