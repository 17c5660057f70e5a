"""Rows of the registrations export, shared by the organiser page and the admin."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REGISTRATION_COLUMNS = (
    _("Nom affiché"),
    _("Courriel"),
    _("Réseau"),
    _("Sessions"),
    _("Rôle"),
    _("Rôle demandé"),
    _("Statut"),
    _("Inscrit·e le"),
    _("Commentaire"),
)


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...),
# DDE): text people typed is prefixed with an apostrophe, which shows it as typed.
# OWASP, "CSV Injection".
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def registration_rows(registrations):
    for registration in registrations:
        yield [safe_cell(str(value)) for value in _registration_row(registration)]


def _registration_row(registration):
    user = registration.user
    profile = getattr(user, "profile", None)
    return [
        profile.display_name if profile else "",
        user.email,
        registration.network.name if registration.network else "",
        " ; ".join(str(session.number) for session in registration.sessions.all()),
        registration.get_role_display(),
        registration.get_requested_role_display(),
        registration.get_status_display(),
        timezone.localtime(registration.created_at).strftime("%Y-%m-%d %H:%M"),
        registration.comment,
    ]
