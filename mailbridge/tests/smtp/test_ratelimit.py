"""The in-memory sliding window counters of the RCPT rate limits (smtp/ratelimit.py)."""

from __future__ import annotations

import asyncio
import random
import time

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from mailbridge.smtp import ratelimit
from mailbridge.smtp.ratelimit import Allowance, SenderLimiter, WindowCounts


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_window_allows_its_limit_then_refuses_without_counting_the_refusals():
    clock = Clock(6_000.0)  # the start of a 10-minute window
    counts = WindowCounts(clock)
    item = parse("3/10 minutes")
    assert [counts.hit(item, "sender:a") for _ in range(5)] == [True, True, True, False, False]
    # Someone else has a counter of their own.
    assert counts.hit(item, "sender:b")


def test_the_previous_window_weighs_by_the_share_of_it_still_inside_the_sliding_window():
    clock = Clock(6_000.0)
    counts = WindowCounts(clock)
    item = parse("4/10 minutes")
    assert all(counts.hit(item, "sender:a") for _ in range(4))
    clock.now = 6_600.0 + 150  # a quarter into the next window: 4 x 3/4 = 3 still count
    assert counts.hit(item, "sender:a")  # floor(3 + 0) + 1 <= 4
    assert not counts.hit(item, "sender:a")  # floor(3 + 1) + 1 > 4
    clock.now = 6_600.0 + 450  # three quarters in: 4 x 1/4 = 1, plus the 1 of this window
    assert [counts.hit(item, "sender:a") for _ in range(3)] == [True, True, False]
    clock.now = 7_800.0 + 1  # two windows on: neither counts any more
    assert [counts.hit(item, "sender:a") for _ in range(5)] == [True] * 4 + [False]


def test_counters_of_windows_that_ended_are_forgotten(monkeypatch):
    monkeypatch.setattr(ratelimit, "SWEEP_SECONDS", 60.0)
    clock = Clock(6_000.0)
    counts = WindowCounts(clock)
    item = parse("30/10 minutes")
    for number in range(100):
        counts.hit(item, f"sender:{number}")
    assert len(counts) == 100
    clock.now += 600  # the next window: the previous one still counts
    counts.hit(item, "sender:new")
    assert len(counts) == 101
    clock.now += 600  # two windows on: the first 100 are swept
    counts.hit(item, "sender:newer")
    assert len(counts) == 2


def test_the_limiter_looks_without_counting_and_counts_per_sender_and_per_untrusted_client():
    limiter = SenderLimiter(per_sender=parse("1/hour"), per_peer=parse("2/hour"))
    first = Allowance("A@exemple.org", "192.0.2.1")

    async def decisions():
        looks = [await limiter.check(first) for _ in range(5)]  # looking counts nothing
        await limiter.count(first)
        return looks + [
            await limiter.check(Allowance("a@exemple.org", "192.0.2.1")),
            await limiter.check(Allowance("b@exemple.org", "192.0.2.1")),
            await limiter.count(Allowance("b@exemple.org", "192.0.2.1")),
            await limiter.check(Allowance("c@exemple.org", "192.0.2.1")),
            await limiter.check(Allowance("c@exemple.org", "192.0.2.2")),
        ]

    results = asyncio.run(decisions())
    assert results[:5] == [""] * 5
    assert results[5].startswith("sender over 1 per 1 hour")  # the case of the address ignored
    assert results[6] == ""
    assert results[8].startswith("client over 2 per 1 hour")
    assert results[9] == ""


def test_replies_with_a_token_draw_on_their_owners_allowance():
    limiter = SenderLimiter(per_sender=parse("1/hour"), per_peer=parse("1/hour"))
    spoofed = Allowance("membre@exemple.org", "192.0.2.1")
    reply = Allowance("membre@exemple.org", "192.0.2.1", reply_owner=7)

    async def decisions():
        await limiter.count(spoofed)
        before = await limiter.check(spoofed), await limiter.check(reply)
        await limiter.count(reply)
        return before + (await limiter.check(reply),)

    spoofed_over, reply_first, reply_second = asyncio.run(decisions())
    assert spoofed_over.startswith("sender over") and reply_first == ""
    assert reply_second.startswith("replies over")


def test_the_look_agrees_with_the_next_hit():
    clock = Clock(6_000.0)
    counts = WindowCounts(clock)
    item = parse("4/10 minutes")
    draw = random.Random(3)
    for _ in range(500):
        clock.now += draw.choice([0.0, 20.0, 150.0, 700.0])
        allowed = counts.test(item, "sender:a")
        assert counts.hit(item, "sender:a") == allowed


def test_it_decides_as_the_limits_librarys_sliding_window_counter_does(monkeypatch):
    clock = Clock(1_000_000.0)
    monkeypatch.setattr(time, "time", clock)  # limits' MemoryStorage reads time.time()
    counts = WindowCounts(clock)
    item = parse("5/minute")
    draw = random.Random(7)

    async def both():
        reference = SlidingWindowCounterRateLimiter(MemoryStorage())
        decisions = []
        for _ in range(2_000):
            clock.now += draw.choice([0.0, 0.5, 3.0, 17.0, 61.0])
            key = f"sender:{draw.randrange(3)}"
            decisions.append((await reference.hit(item, key), counts.hit(item, key)))
        return decisions

    decisions = asyncio.run(both())
    assert all(theirs == ours for theirs, ours in decisions)
    assert 0 < sum(ours for _theirs, ours in decisions) < len(decisions)  # both answers occur
