"""Reading the library of tools and methods: its entries narrowed by tag, network and
licence, and found with the forum's French search (forum/selectors/search.py: the
French full-text configuration on PostgreSQL, the folded words on SQLite).

Lists, search, the feed, the API and the export give the entries not hidden
(`LibraryEntry.objects.shown()`); organisers see the hidden ones in the list too,
marked, and an entry's moderators its page (forum.permissions).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Func, Prefetch, Q, Value

from forum.models import LibraryEntry, LibraryTag, Licence, Network, NetworkStatus
from forum.permissions import can_moderate_library_entry, is_any_organiser
from forum.selectors.search import (
    _FOLD_FUNCTION,
    _ensure_fold_function,
    _search_terms,
    has_unaccent,
    normalise_query,
)


@dataclass(frozen=True)
class LibraryFilters:
    """What the library's list is narrowed to; a value that is not one is dropped
    (by LibraryFilters.read), never an error."""

    query: str = ""
    tag: str = ""
    network: str = ""
    licence: str = ""

    @classmethod
    def read(cls, params) -> LibraryFilters:
        licence = params.get("licence", "")
        return cls(
            query=normalise_query(params.get("q", "")),
            tag=params.get("tag", "")[:60],
            network=params.get("network", "")[:80],
            licence=licence if licence in Licence.values else "",
        )

    def any(self) -> bool:
        return bool(self.query or self.tag or self.network or self.licence)


def _with_relations(entries):
    return entries.select_related("file", "proposed_by__profile", "thread").prefetch_related(
        Prefetch("tags", queryset=LibraryTag.objects.order_by("name")),
        Prefetch("networks", queryset=Network.objects.order_by("name")),
    )


def library_entries(*, user=None, filters: LibraryFilters | None = None):
    """The entries a reader is shown, newest first (best match first when searched),
    narrowed by `filters`; organisers' lists keep the hidden ones."""
    filters = filters or LibraryFilters()
    entries = LibraryEntry.objects.all()
    if user is None or not is_any_organiser(user):
        entries = entries.shown()
    if filters.tag:
        entries = entries.filter(tags__slug=filters.tag)
    if filters.network:
        entries = entries.filter(networks__slug=filters.network)
    if filters.licence:
        entries = entries.filter(licence=filters.licence)
    entries = _with_relations(entries).distinct()
    if not filters.query:
        return entries.order_by("-created_at", "-pk")
    if connection.vendor == "postgresql":
        return _search_postgres(entries, filters.query)
    return _search_folded(entries, filters.query)


def _search_postgres(entries, query: str):
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    def folded(expression):
        return Func(expression, function="unaccent") if has_unaccent() else expression

    vector = SearchVector(folded(F("title")), weight="A", config="french") + SearchVector(
        folded(F("description")), weight="B", config="french"
    )
    search = SearchQuery(folded(Value(query)), config="french", search_type="websearch")
    return (
        entries.annotate(document=vector, rank=SearchRank(vector, search))
        .filter(document=search)
        .order_by("-rank", "-created_at", "-pk")
    )


def _search_folded(entries, query: str):
    terms, excluded = _search_terms(query)
    if not terms:
        return entries.none()
    _ensure_fold_function()
    entries = entries.annotate(
        folded_title=Func(F("title"), function=_FOLD_FUNCTION),
        folded_description=Func(F("description"), function=_FOLD_FUNCTION),
    )

    def found(term: str) -> Q:
        return Q(folded_title__contains=term) | Q(folded_description__contains=term)

    for term in terms:
        entries = entries.filter(found(term))
    for term in excluded:
        entries = entries.exclude(found(term))
    return entries.order_by("-created_at", "-pk")


def library_filter_choices() -> dict:
    """What the list may be narrowed to: the tags, networks and licences of the
    entries shown."""
    shown = LibraryEntry.objects.shown()
    used = set(shown.values_list("licence", flat=True))
    return {
        "tags": list(LibraryTag.objects.filter(entries__in=shown).distinct().order_by("name")),
        "networks": list(
            Network.objects.filter(library_entries__in=shown, status=NetworkStatus.APPROVED)
            .distinct()
            .order_by("name")
        ),
        "licences": [(value, label) for value, label in Licence.choices if value in used],
    }


def library_entry_read(*, pk, user) -> LibraryEntry | None:
    """One entry for its page: None when there is none, or when it is hidden and
    `user` does not moderate it."""
    try:
        entry = _with_relations(LibraryEntry.objects.select_related("thread__board")).get(pk=pk)
    except (LibraryEntry.DoesNotExist, ValueError, TypeError, OverflowError):
        return None
    if entry.is_hidden and not can_moderate_library_entry(user, entry):
        return None
    return entry


def library_entries_latest(*, limit: int = 5) -> list[LibraryEntry]:
    """The latest entries shown (a session's page, the feed)."""
    return list(
        _with_relations(LibraryEntry.objects.shown()).order_by("-created_at", "-pk")[:limit]
    )


def library_entries_of_network(*, network: Network) -> list[LibraryEntry]:
    """The entries shown that `network` uses (its page)."""
    entries = LibraryEntry.objects.shown().filter(networks=network)
    return list(_with_relations(entries).order_by("title", "pk"))
