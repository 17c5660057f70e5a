"""What the copies of a mailing share, built once and kept a few seconds
(mailbridge/outbound/brief_cache.py)."""

from __future__ import annotations

from mailbridge.outbound import brief_cache
from mailbridge.outbound.brief_cache import BriefCache


def test_a_value_is_built_once_for_its_seconds_then_built_again(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(brief_cache.time, "monotonic", lambda: now[0])
    builds = []
    cache = BriefCache(seconds=2.0, size=4)

    def build():
        builds.append(now[0])
        return f"board as read at {now[0]}"

    assert cache.get("board 1", build) == "board as read at 100.0"
    now[0] = 101.9
    assert cache.get("board 1", build) == "board as read at 100.0"
    now[0] = 102.0
    assert cache.get("board 1", build) == "board as read at 102.0"
    assert builds == [100.0, 102.0]


def test_past_its_size_everything_kept_is_dropped_and_clear_drops_it_too():
    cache = BriefCache(seconds=60.0, size=2)
    builds = []
    for key in ("a", "b", "c", "a"):
        cache.get(key, lambda key=key: builds.append(key) or key)
    assert builds == ["a", "b", "c", "a"]  # "c" found two kept: both went
    cache.clear()
    assert cache.get("c", lambda: "built again") == "built again"
