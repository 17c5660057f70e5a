"""What other apps hold about a person, for the export of "everything about me".

The forum knows its own tables; an app that keeps rows of its own about a person
registers a section here from its `AppConfig.ready()`:
`section_register("mail", export)`, `export(user) -> JSON-able value`. The export
then carries one entry per section. Their rows go when the account does, by cascade
on the account or by an atomic subscriber of the `account_deleting` event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_sections: dict[str, Callable[[Any], Any]] = {}


def section_register(name: str, export: Callable[[Any], Any]) -> None:
    """Add `export(user)` to every export, under `name` (idempotent)."""
    _sections[name] = export


def sections() -> dict[str, Callable[[Any], Any]]:
    return dict(_sections)
