"""The live pages' system checks of their settings (registered in RealtimeConfig.ready())."""

from __future__ import annotations

from common.checks import Bounds, bounds_check

BOUNDS = (
    Bounds(
        "INTERCOOP_LIVE_IDLE_SECONDS",
        "realtime.E001",
        least=0,
        least_excluded=True,
        whole=False,
        from_environment=False,
    ),
    Bounds("INTERCOOP_LIVE_RATE_MESSAGES", "realtime.E002", least=1, from_environment=False),
    Bounds(
        "INTERCOOP_LIVE_RATE_SECONDS",
        "realtime.E003",
        least=0,
        least_excluded=True,
        whole=False,
        from_environment=False,
    ),
)

settings_check = bounds_check(BOUNDS)
