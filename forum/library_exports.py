"""The library's entries as CSV: UTF-8 with a byte order mark (a spreadsheet then
opens it as UTF-8), one row per entry, every text cell through
`forum.exports.safe_cell`, so that a title typed as `=HYPERLINK(…)` is shown as
typed, never run as a formula."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from forum.exports import safe_cell
from forum.serializers import author_name


def library_rows(*, entries, request) -> list[list[str]]:
    """The header row, then one row per entry; links absolute on the host asked."""
    header = [
        _("Titre"),
        _("Description"),
        _("Lien"),
        _("Fichier"),
        _("Réseaux"),
        _("Étiquettes"),
        _("Licence"),
        _("Proposé par"),
        _("Proposé le"),
        _("Fiche"),
        _("Discussion"),
    ]
    rows = [[safe_cell(str(cell)) for cell in header]]
    for entry in entries:
        cells = [
            entry.title,
            entry.description,
            entry.url,
            request.build_absolute_uri(entry.file.get_absolute_url()) if entry.file else "",
            " ; ".join(network.name for network in entry.networks.all()),
            " ; ".join(tag.name for tag in entry.tags.all()),
            entry.licence_shown,
            author_name(entry.proposed_by) if entry.proposed_by else "",
            timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
            request.build_absolute_uri(entry.get_absolute_url()),
            request.build_absolute_uri(entry.thread.get_absolute_url()) if entry.thread else "",
        ]
        rows.append([safe_cell(str(cell)) for cell in cells])
    return rows


def library_csv(*, entries, request) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in library_rows(entries=entries, request=request):
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
