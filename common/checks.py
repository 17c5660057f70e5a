"""What the apps' system checks of their settings share (forum, mailbridge and
realtime each have a checks.py, registered from their AppConfig.ready()).

config/env.py turns the environment's strings into values while the settings load
(a number that is not one stops there); whether a value suits the app that reads it
is the app's to say, as a Django system check with an id and a hint. The checks are
tagged `TAG`: `intercoop` runs them when a part starts (one line for the first
error, config/cli.py), `manage.py check` with Django's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.checks import Error

TAG = "configuration"


@dataclass(frozen=True)
class Bounds:
    """Setting `name` must be a number within these bounds, or `error_id` is reported."""

    name: str
    error_id: str
    least: float | None = None
    most: float | None = None
    least_excluded: bool = False
    whole: bool = True
    # Read from the environment variable of the same name (config/settings.py); else
    # only a settings module can change it.
    from_environment: bool = True

    def wanted(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        if self.least is not None and self.most is not None:
            return f"{kind} from {self.least} to {self.most}"
        if self.least is not None:
            return f"{kind} {'above' if self.least_excluded else 'of at least'} {self.least}"
        return f"{kind} of at most {self.most}" if self.most is not None else kind

    def error(self) -> Error | None:
        value = getattr(settings, self.name)
        kinds = (int,) if self.whole else (int, float)
        if (
            not isinstance(value, bool)
            and isinstance(value, kinds)
            and (self.least is None or value >= self.least)
            and not (self.least_excluded and value == self.least)
            and (self.most is None or value <= self.most)
        ):
            return None
        if self.from_environment:
            hint = f"Change or unset the environment variable {self.name}."
        else:
            hint = f"Change {self.name} in the settings module."
        return Error(f"{self.name}={value!r} is not {self.wanted()}", hint=hint, id=self.error_id)


def bounds_errors(all_bounds: Iterable[Bounds]) -> list[Error]:
    return [error for bounds in all_bounds if (error := bounds.error()) is not None]


def bounds_check(all_bounds: Iterable[Bounds]) -> Callable[..., list[Error]]:
    """A system check of `all_bounds`, for `django.core.checks.register`."""
    all_bounds = tuple(all_bounds)

    def check(app_configs=None, **kwargs) -> list[Error]:
        return bounds_errors(all_bounds)

    return check
