"""The bounds the apps' system checks put on their number settings."""

from __future__ import annotations

import pytest

from common.checks import Bounds, bounds_check

HOUR = Bounds("INTERCOOP_DIGEST_HOUR", "test.E001", least=0, most=23)
IDLE = Bounds(
    "INTERCOOP_LIVE_IDLE_SECONDS",
    "test.E002",
    least=0,
    least_excluded=True,
    whole=False,
    from_environment=False,
)


@pytest.mark.parametrize("value", [0, 7, 23])
def test_a_value_within_its_bounds_is_no_error(settings, value):
    settings.INTERCOOP_DIGEST_HOUR = value
    assert bounds_check([HOUR])() == []


@pytest.mark.parametrize("value", [-1, 24, 7.5, "7", True, None])
def test_a_value_out_of_its_bounds_or_of_another_kind_is_its_error(settings, value):
    settings.INTERCOOP_DIGEST_HOUR = value
    [error] = bounds_check([HOUR])()
    assert error.id == "test.E001" and error.is_serious()
    assert error.msg == f"INTERCOOP_DIGEST_HOUR={value!r} is not a whole number from 0 to 23"
    assert error.hint == "Change or unset the environment variable INTERCOOP_DIGEST_HOUR."


def test_an_excluded_least_and_a_setting_not_read_from_the_environment(settings):
    settings.INTERCOOP_LIVE_IDLE_SECONDS = 0.3
    assert bounds_check([IDLE])() == []
    settings.INTERCOOP_LIVE_IDLE_SECONDS = 0
    [error] = bounds_check([IDLE])()
    assert error.msg == "INTERCOOP_LIVE_IDLE_SECONDS=0 is not a number above 0"
    assert error.hint == "Change INTERCOOP_LIVE_IDLE_SECONDS in the settings module."
