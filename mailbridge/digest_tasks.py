"""Celery tasks of the digests and recaps (the outbox sender's are in tasks.py).

Imported by MailbridgeConfig.ready() so that every worker knows the name; beat
runs `mailbridge.send_daily_digests` at INTERCOOP_DIGEST_HOUR, Europe/Paris
(config/celery.py).
"""

from __future__ import annotations

from celery import shared_task

from mailbridge.digests import digests_write


@shared_task(name="mailbridge.send_daily_digests", ignore_result=True)
def send_daily_digests() -> int:
    """Write today's digests to the outbox (the sender is woken after commit).
    Safe to run twice: a second run on the same day writes nothing."""
    return digests_write()
