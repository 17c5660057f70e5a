from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Direct")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks as django_checks

        from common.checks import TAG
        from forum import events, slots
        from realtime import access, checks, person_data, publish

        django_checks.register(checks.settings_check, TAG)
        publish.subscribe()
        access.subscribe()
        events.subscribe("account_deleting", person_data.on_account_deleting, atomic=True)
        # The live pages' script and the way to the session's live page (forum/slots.py).
        slots.slot_register("thread.end", "realtime/slots/thread_live.html")
        slots.slot_register("board.end", "realtime/slots/board_live.html")
        slots.slot_register("session.calls", "realtime/slots/session_live_link.html")
        slots.slot_register("synthesis.end", "realtime/slots/synthesis_live.html")
