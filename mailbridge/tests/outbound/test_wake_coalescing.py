"""Waking the outbox once for many rows: a wake of one task is not sent while another
waits to start, and every row still leaves, those committed while a task runs too."""

from __future__ import annotations

from unittest import mock

import pytest

from config.testing import cache_fails
from forum.services.answers import questionnaire_submit
from forum.tests.questionnaire_factories import good_answers
from mailbridge import tasks
from mailbridge.models import Delivery, DeliveryStatus
from mailbridge.outbound import fanout
from mailbridge.tests.listmail_support import list_mail_settings  # noqa: F401 - autouse
from mailbridge.tests.questionnaire_support import QuestionnaireScene

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued():
    """The tasks the wakes send, held instead of queued in the broker."""
    held = []
    with mock.patch.object(
        tasks.send_pending, "apply_async", side_effect=lambda **_: held.append("send")
    ):
        yield held


def _answer(scene, person, capture):
    with capture(execute=True):  # the answer commits: its wake is sent
        questionnaire_submit(
            questionnaire=scene.questionnaire,
            person=person,
            answers=good_answers(scene.questions),
        )


def _people(scene, count):
    return [scene.participant(f"p{n}@exemple.org", f"Personne {n}") for n in range(count)]


def test_answers_while_a_wake_waits_send_no_other_and_the_task_sends_them_all(
    queued, sink, django_capture_on_commit_callbacks
):
    scene = QuestionnaireScene()
    people = _people(scene, 4)
    for person in people[:3]:
        _answer(scene, person, django_capture_on_commit_callbacks)
    assert len(queued) == 1  # three confirmations, one task waiting

    report = tasks.send_pending.run()  # the waiting task starts
    assert report["sent"] == 3 and len(sink.handler.received) == 3
    # Once it has started, the next answer wakes another task, which sends it.
    _answer(scene, people[3], django_capture_on_commit_callbacks)
    assert len(queued) == 2
    assert tasks.send_pending.run()["sent"] == 1
    assert {r.recipients[0] for r in sink.handler.received} == {p.email for p in people}
    assert not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()


def test_a_row_committed_while_the_task_runs_wakes_another_and_is_sent(
    queued, sink, django_capture_on_commit_callbacks
):
    scene = QuestionnaireScene()
    first, late = _people(scene, 2)
    _answer(scene, first, django_capture_on_commit_callbacks)
    assert len(queued) == 1
    real_send = tasks.outbox_send_due

    def send_after_a_late_answer():
        # The task has taken its wake: an answer committing now must not wait for it.
        _answer(scene, late, django_capture_on_commit_callbacks)
        return real_send()

    with mock.patch.object(tasks, "outbox_send_due", send_after_a_late_answer):
        report = tasks.send_pending.run()
    assert len(queued) == 2  # the late answer woke a task of its own
    assert report["sent"] + tasks.send_pending.run()["sent"] == 2
    assert {r.recipients[0] for r in sink.handler.received} == {first.email, late.email}


def test_a_wake_the_broker_refused_does_not_stop_the_next(settings):
    calls = []

    def refuse_once(**_):
        calls.append("try")
        if len(calls) == 1:
            raise ConnectionError("redis down")

    with mock.patch.object(tasks.send_pending, "apply_async", side_effect=refuse_once):
        assert fanout.outbox_wake(deliveries=1) == 0
        assert fanout.outbox_wake(deliveries=1) == 1
        assert fanout.outbox_wake(deliveries=1) == 0  # that one waits: coalesced
    assert len(calls) == 2


def test_the_sweeper_and_large_fanouts_wake_whatever_waits(queued, settings):
    settings.INTERCOOP_OUTBOX_BATCH_SIZE = 50
    settings.INTERCOOP_OUTBOX_PARALLEL_SENDERS = 4
    assert fanout.outbox_wake(deliveries=1) == 1
    assert fanout.outbox_wake(deliveries=1) == 0
    assert fanout.outbox_wake(deliveries=1_000) == 4
    assert fanout.outbox_wake(deliveries=1, coalesce=False) == 1
    assert len(queued) == 6


def test_without_the_cache_every_wake_is_sent(queued, monkeypatch):
    cache_fails(monkeypatch, "add", "delete")
    assert [fanout.outbox_wake(deliveries=1) for _ in range(3)] == [1, 1, 1]
    tasks.send_pending.run()  # and the task still runs
    assert len(queued) == 3
