"""`python manage.py send_outbox`: send what is due now, as the Celery task does.

For an operator without a worker at hand (or a cron job), and for the tests that
kill a sending process: parse the options, call the outbox services, report.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from mailbridge.leases import leases_release_dead
from mailbridge.outbound.claims import outbox_requeue_stale
from mailbridge.outbound.sender import outbox_send_due


class Command(BaseCommand):
    help = "Send the outbox deliveries that are due, batch after batch, then stop."

    def add_arguments(self, parser):
        parser.add_argument(
            "--requeue-stale",
            type=int,
            metavar="SECONDS",
            help="first put back to pending the rows claimed more than SECONDS ago, "
            "whatever their lease; 0 when no other worker is running (without it, "
            "only the claims of dead workers go back)",
        )
        parser.add_argument("--batch-size", type=int, help="rows claimed per batch")

    def handle(self, *args, requeue_stale=None, batch_size=None, **options):
        # What dead senders of this host held, and any claim whose lease lapsed,
        # goes back first (other live workers keep theirs).
        leases_release_dead()
        older_than = None if requeue_stale is None else timedelta(seconds=requeue_stale)
        requeued = outbox_requeue_stale(older_than=older_than)
        self.stdout.write(f"requeued {requeued} stale deliveries")
        report = outbox_send_due(batch_size=batch_size)
        self.stdout.write(
            f"sent {report.sent}, retried {report.retried}, failed {report.failed}, "
            f"waiting for the relay {report.released}"
        )
