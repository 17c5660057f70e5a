"""Workers keep their database connection from one task to the next (config/celery.py):
Celery's Django fixup would close it around every task, so that each task opened a new
one; Django's rule applies instead (too old or unusable: closed)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from config.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


class Task:
    """A task as the signals see it while a worker runs it."""

    name = "mailbridge.test"
    request = SimpleNamespace(is_eager=False)


TASK = Task()


def around_a_task(fixup: DjangoWorkerFixup) -> None:
    """What a worker does around a task: the fixup's handlers, then the signals'."""
    fixup.on_task_prerun(TASK)
    task_prerun.send(sender=TASK, task_id="t", task=TASK, args=(), kwargs={})
    connection.ensure_connection()  # the task's queries
    fixup.on_task_postrun(TASK)
    task_postrun.send(sender=TASK, task_id="t", task=TASK, args=(), kwargs={}, retval=None)


@pytest.fixture
def kept_a_minute():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite opens its file for each task (CONN_MAX_AGE 0)")
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 60
    yield connection.connection


def test_a_worker_keeps_its_connection_from_task_to_task(kept_a_minute):
    fixup = DjangoWorkerFixup(app)
    for _ in range(5):
        around_a_task(fixup)
    assert connection.connection is kept_a_minute


def test_a_connection_past_its_age_is_replaced_before_the_next_task(kept_a_minute):
    fixup = DjangoWorkerFixup(app)
    connection.close_at = time.monotonic() - 1
    around_a_task(fixup)
    assert connection.connection is not None
    assert connection.connection is not kept_a_minute
