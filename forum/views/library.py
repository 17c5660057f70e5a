"""The library of tools and methods: the list with its filters and search
(/bibliotheque/), an entry's page, the forms to propose and edit one, hiding, and
the CSV export. The feed is forum.feeds.LibraryFeed, the JSON API
forum.views.api_library."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from forum import selectors
from forum.board_forms import new_submission_key
from forum.errors import NotAllowed, UserError
from forum.library_exports import library_csv
from forum.library_forms import LibraryEntryForm
from forum.permissions import (
    can_edit_library_entry,
    can_moderate_library_entry,
    can_propose_library_entry,
)
from forum.selectors.library import (
    LibraryFilters,
    library_entries,
    library_entry_read,
    library_filter_choices,
)
from forum.services import library as library_services

ENTRIES_PER_PAGE = 20


@require_safe
def library_list(request):
    filters = LibraryFilters.read(request.GET)
    entries = library_entries(user=request.user, filters=filters)
    context = {
        "event": selectors.event_current(),
        "page": Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page")),
        "filters": filters,
        "choices": library_filter_choices(),
    }
    return render(request, "forum/library/list.html", context)


def _entry_or_404(request, pk: int):
    entry = library_entry_read(pk=pk, user=request.user)
    if entry is None:
        raise Http404("no such library entry")
    return entry


@require_safe
def library_entry(request, pk: int):
    entry = _entry_or_404(request, pk)
    context = {
        "event": selectors.event_current(),
        "entry": entry,
        "may_edit": can_edit_library_entry(request.user, entry),
        "may_moderate": can_moderate_library_entry(request.user, entry),
    }
    return render(request, "forum/library/detail.html", context)


@login_required
def library_propose(request):
    try:
        board = library_services.library_board()
    except UserError as error:  # no event loaded yet
        raise Http404("no event") from error
    if not can_propose_library_entry(request.user, board):
        raise NotAllowed(
            _("Pour proposer une fiche, inscrivez-vous d'abord aux journées."),
            code="cannot_propose",
        )
    if request.method == "POST":
        form = LibraryEntryForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                entry = library_services.library_entry_propose(
                    user=request.user,
                    submission_key=form.cleaned_data["submission_key"],
                    **form.entry_fields(),
                )
            except UserError as error:
                form.add_user_error(error)
            else:
                messages.success(request, _("Merci ! La fiche est dans la bibliothèque."))
                return redirect(entry)
        status = 400
    else:
        form = LibraryEntryForm(initial={"submission_key": new_submission_key()})
        status = 200
    context = {"event": selectors.event_current(), "form": form, "entry": None}
    return render(request, "forum/library/form.html", context, status=status)


@login_required
def library_edit(request, pk: int):
    entry = _entry_or_404(request, pk)
    if not can_edit_library_entry(request.user, entry):
        raise NotAllowed(_("Vous ne pouvez pas modifier cette fiche."), code="cannot_edit_entry")
    has_file = entry.file_id is not None
    if request.method == "POST":
        form = LibraryEntryForm(request.POST, request.FILES, has_file=has_file)
        if form.is_valid():
            try:
                entry = library_services.library_entry_update(
                    entry=entry, editor=request.user, **form.entry_fields()
                )
            except UserError as error:
                form.add_user_error(error)
            else:
                messages.success(request, _("La fiche est à jour."))
                return redirect(entry)
        status = 400
    else:
        form = LibraryEntryForm(
            has_file=has_file,
            initial={
                "title": entry.title,
                "description": entry.description,
                "url": entry.url,
                "networks": list(entry.networks.all()),
                "tags": ", ".join(tag.name for tag in entry.tags.all()),
                "licence": entry.licence,
                "licence_other": entry.licence_other,
            },
        )
        status = 200
    context = {"event": selectors.event_current(), "form": form, "entry": entry}
    return render(request, "forum/library/form.html", context, status=status)


@login_required
@require_POST
def library_hide(request, pk: int):
    entry = _entry_or_404(request, pk)
    hidden = request.POST.get("hidden") == "1"
    library_services.library_entry_hide(entry=entry, moderator=request.user, hidden=hidden)
    if hidden:
        messages.success(request, _("La fiche est masquée de la bibliothèque."))
    else:
        messages.success(request, _("La fiche est de nouveau visible."))
    return redirect(entry)


@require_safe
def library_export(request):
    """The entries shown, narrowed as the list is, as CSV (UTF-8 with a byte order
    mark, every text cell safe from formula injection: forum.library_exports)."""
    filters = LibraryFilters.read(request.GET)
    entries = library_entries(filters=filters)
    response = HttpResponse(
        library_csv(entries=entries, request=request), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="bibliotheque-intercoop.csv"'
    return response
