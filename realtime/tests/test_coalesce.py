"""Answers arriving together make one render of the synthesis, not one each, and the
reader's last view is always the state after the last answer (realtime.coalesce)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from forum.services.answers import questionnaire_submit
from forum.tests.questionnaire_factories import good_answers
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu, participant  # noqa: F401
from realtime import bridge, listening
from realtime.coalesce import Coalescer
from realtime.groups import synthesis_group
from realtime.models import LiveEvent
from realtime.publish import synthesis_pushes
from realtime.tests.live import cookie_for, open_socket, receive_until


class Counter:
    """A state that grows, and the states a coalesced run saw."""

    def __init__(self, run_seconds: float = 0.0, slow_in_threads_only: bool = False):
        self.value = 0
        self.slow_in_threads_only = slow_in_threads_only
        self.seen: list[int] = []
        self.run_seconds = run_seconds
        self.done = threading.Event()

    def run(self, _key) -> None:
        seen = self.value
        if (
            not self.slow_in_threads_only
            or threading.current_thread() is not threading.main_thread()
        ):
            time.sleep(self.run_seconds)
        self.seen.append(seen)
        self.done.set()


def test_a_lone_submit_runs_at_once():
    state = Counter()
    coalescer = Coalescer(state.run, lambda: 0.5)
    state.value = 1
    coalescer.submit("q")
    assert state.seen == [1]


def test_a_burst_runs_twice_and_the_last_run_sees_the_last_state():
    state = Counter()
    coalescer = Coalescer(state.run, lambda: 0.2)
    for value in range(1, 51):
        state.value = value
        coalescer.submit("q")
    assert state.seen == [1]  # the first at once, the others wait for the interval
    state.done.clear()
    assert state.done.wait(2)
    assert state.seen == [1, 50]
    assert coalescer.pending() == []


def test_a_submit_during_a_run_schedules_another():
    # The scheduled run has read the state and is still rendering when a new answer
    # commits: that answer must get a run of its own, not be taken as joined to the
    # run under way (which read the state before it).
    state = Counter(run_seconds=0.3, slow_in_threads_only=True)
    coalescer = Coalescer(state.run, lambda: 0.2)
    state.value = 1
    coalescer.submit("q")  # at once
    state.value = 2
    coalescer.submit("q")  # scheduled at 0.2 s; reads 2, renders until 0.5 s
    time.sleep(0.3)
    state.value = 3
    coalescer.submit("q")  # during that run
    deadline = time.monotonic() + 3
    while len(state.seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert state.seen == [1, 2, 3]


def test_keys_are_coalesced_apart():
    state = Counter()
    coalescer = Coalescer(state.run, lambda: 10)
    coalescer.submit("a")
    coalescer.submit("b")
    assert len(state.seen) == 2


def test_zero_runs_every_submit():
    state = Counter()
    coalescer = Coalescer(state.run, lambda: 0)
    for _ in range(3):
        coalescer.submit("q")
    assert len(state.seen) == 3


@pytest.mark.django_db(transaction=True)
def test_answers_together_render_the_synthesis_once_or_twice_ending_with_all(
    session,
    cornu,  # noqa: F811
    settings,
):
    settings.INTERCOOP_LIVE_SYNTHESIS_MS = 2000
    questionnaire, questions, _people = answered_questionnaire(session, cornu)
    group = synthesis_group(session.pk)
    listening.register(group, {"fr"})  # the facilitator's page is open
    synthesis_pushes.reset()
    LiveEvent.objects.filter(group=group).delete()
    newcomers = [participant(session) for _ in range(6)]
    for person in newcomers:
        questionnaire_submit(
            questionnaire=questionnaire, person=person, answers=good_answers(questions)
        )
    deadline = time.monotonic() + 5
    while synthesis_pushes.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # the trailing run's store and send
    results = list(LiveEvent.objects.filter(group=group, kind="synthesis.results").order_by("seq"))
    assert 1 <= len(results) <= 2, [event.seq for event in results]
    last = results[-1].html["fr"]
    assert 'data-synthesis-responses="9"' in last  # 3 before, 6 now
    assert "9 personnes ont répondu" in last


@pytest.mark.django_db(transaction=True)
def test_a_reader_of_the_synthesis_gets_the_last_state_of_a_burst(session, cornu):  # noqa: F811
    questionnaire, questions, _people = answered_questionnaire(session, cornu)
    synthesis_pushes.flush()
    newcomers = [participant(session) for _ in range(5)]
    cookie = cookie_for(cornu)

    def answer_all():
        for person in newcomers:
            questionnaire_submit(
                questionnaire=questionnaire, person=person, answers=good_answers(questions)
            )

    @async_to_sync
    async def scenario():
        bridge.attach(asyncio.get_running_loop())  # as `intercoop run` does
        try:
            socket, _ready = await open_socket(
                f"/ws/sessions/{session.slug}/synthese/", cookie=cookie
            )
            await database_sync_to_async(answer_all)()
            shown = []
            while not shown or 'data-synthesis-responses="8"' not in shown[-1]:
                message = await receive_until(socket, "event")
                if message["kind"] == "synthesis.results":
                    shown.append(message["html"])
            await socket.disconnect()
            return shown
        finally:
            bridge.detach()

    shown = scenario()
    assert "8 personnes ont répondu sur 11 inscrites" in shown[-1]
    assert len(shown) <= 2  # one at once, one for the rest: not one per answer
