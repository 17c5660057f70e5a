"""Which networks have their own mailing list bridged to their board, as the app
that bridges them tells the forum (docs/architecture.md, "Networks and shared
threads"): the forum names no module of mail, mailbridge registers a source from
its AppConfig.ready(). Without one, no network is bridged.

A source is a callable `source(network_ids) -> set of ids`: those of `network_ids`
whose list is bridged."""

from __future__ import annotations

from collections.abc import Callable, Iterable

Source = Callable[[list[int]], set[int]]

_sources: list[Source] = []


def bridged_lists_source_register(source: Source) -> None:
    """Ask `source` too which networks have a bridged list (idempotent)."""
    if source not in _sources:
        _sources.append(source)


def networks_with_bridged_list(network_ids: Iterable[int]) -> set[int]:
    """Those of `network_ids` whose own list is bridged to their board."""
    ids = list(network_ids)
    found: set[int] = set()
    if not ids:
        return found
    for source in _sources:
        found |= set(source(ids))
    return found
