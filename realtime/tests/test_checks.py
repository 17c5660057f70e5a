"""The live pages' system checks of their settings (realtime/checks.py)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from common.checks import TAG


def _ids() -> list[str]:
    return [message.id for message in run_checks(tags=[TAG]) if message.id.startswith("realtime.")]


def test_the_live_settings_are_declared_and_pass(settings):
    assert (
        settings.INTERCOOP_LIVE_IDLE_SECONDS,
        settings.INTERCOOP_LIVE_RATE_MESSAGES,
        settings.INTERCOOP_LIVE_RATE_SECONDS,
    ) == (90, 20, 10)
    assert _ids() == []


@pytest.mark.parametrize(
    ("name", "value", "error_id"),
    [
        ("INTERCOOP_LIVE_IDLE_SECONDS", 0, "realtime.E001"),
        ("INTERCOOP_LIVE_IDLE_SECONDS", "90", "realtime.E001"),
        ("INTERCOOP_LIVE_RATE_MESSAGES", 0.5, "realtime.E002"),
        ("INTERCOOP_LIVE_RATE_SECONDS", -10, "realtime.E003"),
    ],
)
def test_a_bad_value_is_reported_with_its_id(settings, name, value, error_id):
    setattr(settings, name, value)
    assert _ids() == [error_id]
