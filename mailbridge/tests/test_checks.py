"""The mail bridge's system checks of its settings (mailbridge/checks.py)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from common.checks import TAG


def _errors() -> dict[str, str]:
    return {
        message.id: message.msg
        for message in run_checks(tags=[TAG])
        if message.id.startswith("mailbridge.")
    }


def test_the_default_settings_pass():
    assert _errors() == {}


@pytest.mark.parametrize(
    ("name", "value", "error_id"),
    [
        ("INTERCOOP_DIGEST_HOUR", 24, "mailbridge.E001"),
        ("INTERCOOP_BOUNCE_THRESHOLD", 0, "mailbridge.E002"),
        ("INTERCOOP_OUTBOX_BATCH_SIZE", 0, "mailbridge.E003"),
        ("INTERCOOP_OUTBOX_PARALLEL_SENDERS", 0, "mailbridge.E004"),
        ("INTERCOOP_OUTBOX_MAX_ATTEMPTS", 0, "mailbridge.E005"),
        ("INTERCOOP_CLAIM_LEASE_SECONDS", 2, "mailbridge.E006"),
        ("INTERCOOP_SMTP_MAX_BYTES", 1000, "mailbridge.E007"),
        ("INTERCOOP_SMTP_MAX_RECIPIENTS", 0, "mailbridge.E008"),
        ("INTERCOOP_INBOUND_MAX_RECEIVED", 1, "mailbridge.E009"),
        ("INTERCOOP_SMTP_MAX_CONNECTIONS", 0, "mailbridge.E016"),
        ("INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT", 0, "mailbridge.E017"),
        ("INTERCOOP_SMTP_RATE_LIMIT", "30 par heure", "mailbridge.E010"),
        ("INTERCOOP_SMTP_PEER_RATE_LIMIT", "beaucoup", "mailbridge.E011"),
        ("INTERCOOP_SMTP_BRIDGE_RATE_LIMIT", "300 par heure", "mailbridge.E020"),
        ("INTERCOOP_SMTP_TRUSTED_PEERS", ["10.0.0.5", "mx.exemple.org"], "mailbridge.E012"),
    ],
)
def test_a_bad_value_is_reported_with_its_id(settings, name, value, error_id):
    setattr(settings, name, value)
    assert list(_errors()) == [error_id]


@pytest.mark.parametrize("value", ["0", "off", "none", "", "100/hour", "30/10 minutes"])
def test_no_limit_or_a_rate_is_accepted(settings, value):
    settings.INTERCOOP_SMTP_RATE_LIMIT = value
    assert _errors() == {}


def test_starttls_needs_both_files_and_files_that_exist(settings, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("certificate")
    settings.INTERCOOP_SMTP_TLS_CERT = str(cert)
    assert list(_errors()) == ["mailbridge.E013"]

    settings.INTERCOOP_SMTP_TLS_KEY = str(key)
    assert _errors() == {"mailbridge.E015": f"INTERCOOP_SMTP_TLS_KEY={key} is not a file"}

    settings.INTERCOOP_SMTP_TLS_CERT = str(tmp_path)
    key.write_text("key")
    assert list(_errors()) == ["mailbridge.E014"]
