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


def registration_rows(registrations):
    for registration in registrations:
        user = registration.user
        profile = getattr(user, "profile", None)
        yield [
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
