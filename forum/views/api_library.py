"""The library in the read-only JSON API (docs/api.md, "The library"): its entries
shown (none hidden, whoever asks), narrowed as the page's list is, and one entry."""

from __future__ import annotations

from django.utils.translation import gettext as _

from forum.models import LibraryEntry
from forum.selectors.library import LibraryFilters, library_entries
from forum.serializers import library_entry_json
from forum.views.api import _error, _json, read_only


@read_only
def entries(request):
    found = library_entries(filters=LibraryFilters.read(request.GET))
    return _json([library_entry_json(entry, request) for entry in found])


@read_only
def entry(request, pk: str):
    try:
        found = library_entries().get(pk=int(pk))
    except (ValueError, OverflowError, LibraryEntry.DoesNotExist):
        return _error(_("Fiche introuvable."), 404)
    return _json(library_entry_json(found, request))
