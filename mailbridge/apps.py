from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailbridgeConfig(AppConfig):
    name = "mailbridge"
    verbose_name = _("Passerelle courriel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks as django_checks

        from common.checks import TAG
        from mailbridge import (
            checks,
            digest_tasks,  # noqa: F401 - registers mailbridge.send_daily_digests
            recaps,
            registrations,
            testimony_tasks,  # noqa: F401 - registers mailbridge.send_testimony_reminders
        )

        django_checks.register(checks.settings_check, TAG)
        recaps.connect()
        registrations.connect()

        from django.db.models.signals import post_delete

        from mailbridge.models import InboundMessage
        from mailbridge.raw_files import raw_file_delete_with_row

        post_delete.connect(
            raw_file_delete_with_row, sender=InboundMessage, dispatch_uid="raw_file_delete"
        )
        from mailbridge.questionnaires import mailing as questionnaire_mailing

        questionnaire_mailing.connect()

        from forum import events
        from mailbridge import tasks  # noqa: F401 - registers send_pending, sweep_outbox
        from mailbridge.inbound import tasks as _inbound  # noqa: F401 - process_inbound, notices
        from mailbridge.outbound import fanout

        # Atomic: the outbox rows commit with the post, or not at all.
        events.subscribe("post_created", fanout.on_post_created, atomic=True)
        from mailbridge.bridge import relay
        from mailbridge.outbound.sender import register_builder

        # A post written in a bridged network's board, relayed to its list (two ways).
        events.subscribe("post_created", relay.on_post_created, atomic=True)
        register_builder("relay", relay.relay_build)
        from mailbridge import testimonies

        # Atomic: the author's notice commits with the review.
        events.subscribe("testimony_reviewed", testimonies.on_testimony_reviewed, atomic=True)

        from forum import person_data as forum_person_data
        from mailbridge import person_data

        # A person's mail rows: in their export, and gone with their account.
        events.subscribe("account_deleting", person_data.on_account_deleting, atomic=True)
        forum_person_data.section_register("mail", person_data.export)

        from forum import page_invalidation, slots
        from mailbridge.models import MailboxHealth

        # What the forum's pages show of mail (forum/slots.py).
        slots.slot_register("nav.signed_in", "mailbridge/slots/nav_subscriptions.html")
        slots.slot_register("page.notices", "mailbridge/slots/mail_suspended_banner.html")
        slots.slot_register("post.after_body", "mailbridge/slots/email_original.html")
        slots.slot_register("network.facts", "mailbridge/slots/network_bridge.html")
        from forum import network_lists
        from mailbridge.bridge.services import networks_bridged

        # The networks whose list is bridged, marked on the « Interconnexion » page.
        network_lists.bridged_lists_source_register(networks_bridged)
        # The suspension banner is on the person's own pages: their cached copies go
        # when their mailbox's state is saved.
        page_invalidation.person_model_register(MailboxHealth)
