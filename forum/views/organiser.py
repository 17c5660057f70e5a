"""Organiser pages: the registrations and their CSV export. Organisers only (403)."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from forum import selectors
from forum.exports import REGISTRATION_COLUMNS, registration_rows
from forum.permissions import is_organiser


def _event_for_organiser(request):
    event = selectors.event_current()
    if event is None:
        raise Http404("no event loaded")
    if not is_organiser(request.user, event):
        raise PermissionDenied(_("Cette page est réservée aux organisateurs."))
    return event


@login_required
def registrations(request):
    event = _event_for_organiser(request)
    context = {
        "event": event,
        "registrations": selectors.registrations_for_export(event=event),
        "counts": selectors.registration_counts(event=event),
    }
    return render(request, "forum/organiser_registrations.html", context)


@login_required
def registrations_csv(request):
    event = _event_for_organiser(request)
    return registrations_csv_response(
        filename=f"{event.slug}-inscriptions.csv",
        registrations=selectors.registrations_for_export(event=event),
    )


def registrations_csv_response(*, filename: str, registrations) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A byte-order mark makes spreadsheets (Excel, LibreOffice) read the file as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(label) for label in REGISTRATION_COLUMNS])
    writer.writerows(registration_rows(registrations))
    return response
