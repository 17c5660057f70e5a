"""The beat task of the "missing testimony" reminders (mailbridge/testimonies.py)."""

from __future__ import annotations

from celery import shared_task

from mailbridge.testimonies import testimony_reminders_write


@shared_task(name="mailbridge.send_testimony_reminders", ignore_result=True)
def send_testimony_reminders() -> int:
    """Write the reminders due now to the outbox; a second run writes nothing twice."""
    return testimony_reminders_write()
