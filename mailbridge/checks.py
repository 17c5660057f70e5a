"""The mail bridge's system checks of its settings (registered in
MailbridgeConfig.ready()): numbers within their bounds, the gateway's rates, trusted
peers and STARTTLS files read as the gateway will read them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error

from common.checks import Bounds, bounds_errors

BOUNDS = (
    Bounds("INTERCOOP_DIGEST_HOUR", "mailbridge.E001", least=0, most=23),
    Bounds("INTERCOOP_BOUNCE_THRESHOLD", "mailbridge.E002", least=1),
    Bounds("INTERCOOP_OUTBOX_BATCH_SIZE", "mailbridge.E003", least=1),
    Bounds("INTERCOOP_OUTBOX_PARALLEL_SENDERS", "mailbridge.E004", least=1),
    Bounds("INTERCOOP_OUTBOX_MAX_ATTEMPTS", "mailbridge.E005", least=1),
    Bounds("INTERCOOP_CLAIM_LEASE_SECONDS", "mailbridge.E006", least=3),
    Bounds("INTERCOOP_SMTP_MAX_BYTES", "mailbridge.E007", least=64 * 1024),
    Bounds("INTERCOOP_SMTP_MAX_RECIPIENTS", "mailbridge.E008", least=1),
    Bounds("INTERCOOP_INBOUND_MAX_RECEIVED", "mailbridge.E009", least=2),
    Bounds("INTERCOOP_SMTP_MAX_CONNECTIONS", "mailbridge.E016", least=1),
    Bounds("INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT", "mailbridge.E017", least=1),
    Bounds("INTERCOOP_SMTP_DATA_BUDGET_BYTES", "mailbridge.E018", least=64 * 1024),
    Bounds("INTERCOOP_INBOUND_FILE_BYTES", "mailbridge.E019", least=1024),
)
RATES = {
    "INTERCOOP_SMTP_RATE_LIMIT": "mailbridge.E010",
    "INTERCOOP_SMTP_PEER_RATE_LIMIT": "mailbridge.E011",
    "INTERCOOP_SMTP_BRIDGE_RATE_LIMIT": "mailbridge.E020",
}
TLS_FILES = {
    "INTERCOOP_SMTP_TLS_CERT": "mailbridge.E014",
    "INTERCOOP_SMTP_TLS_KEY": "mailbridge.E015",
}


def settings_check(app_configs=None, **kwargs) -> list[Error]:
    return [*bounds_errors(BOUNDS), *_gateway_errors()]


def _gateway_errors() -> list[Error]:
    from mailbridge.smtp.ratelimit import rate, trusted_networks

    errors = []
    for name, error_id in RATES.items():
        value = getattr(settings, name)
        try:
            rate(value)
        except ValueError:
            errors.append(
                Error(
                    f"{name}={value!r} is not a rate",
                    hint=f"Set {name} to e.g. '30/10 minutes', or to 0 for no limit.",
                    id=error_id,
                )
            )
    for peer in settings.INTERCOOP_SMTP_TRUSTED_PEERS:
        try:
            trusted_networks([peer])
        except ValueError:
            errors.append(
                Error(
                    f"INTERCOOP_SMTP_TRUSTED_PEERS: {peer!r} is not an IP address or network",
                    hint="Write addresses or networks separated by commas, e.g. "
                    "'10.0.0.5,172.16.0.0/12'.",
                    id="mailbridge.E012",
                )
            )
    cert, key = settings.INTERCOOP_SMTP_TLS_CERT, settings.INTERCOOP_SMTP_TLS_KEY
    if bool(cert) != bool(key):
        errors.append(
            Error(
                "Only one of INTERCOOP_SMTP_TLS_CERT and INTERCOOP_SMTP_TLS_KEY is set",
                hint="Set both (the certificate chain and its private key) for STARTTLS, "
                "or neither.",
                id="mailbridge.E013",
            )
        )
    for name, error_id in TLS_FILES.items():
        path = getattr(settings, name)
        if path and not Path(path).is_file():
            errors.append(
                Error(
                    f"{name}={path} is not a file",
                    hint=f"Point {name} at a PEM file the gateway can read.",
                    id=error_id,
                )
            )
    return errors
