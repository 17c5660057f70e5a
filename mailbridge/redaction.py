"""Email addresses in the logs of the gateway and the pipeline: redacted, unless the
logger is at DEBUG.

Logs travel further than the database (log shippers, monitoring, a paste in a bug
report) and are kept by other rules; the addresses of the people who write to the
lists are theirs. The stored message keeps its envelope for the organisers, so a
log line needs only enough to follow one sender from line to line:

- someone else's address: the first character of the local part, the domain (a
  provider's trouble shows there) and a short digest, the same for the same address
  (an HMAC keyed with SECRET_KEY: hashing a list of known addresses finds nothing),
  e.g. `m***@exemple.org#3fa91c0b`;
- one of our own addresses (at INTERCOOP_MAIL_DOMAIN): as it is up to a `+`, which
  names the list or the kind of address; never the token after it, e.g.
  `reply+***@lists.example.org`.

A developer who turns DEBUG logging on (for the logger that writes the line) sees
the addresses whole.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings

DIGEST_LENGTH = 8


def redact(address: str | None, logger: logging.Logger) -> str:
    """`address` as `logger` may write it: whole at DEBUG, redacted otherwise."""
    if not address:
        return "<>"
    if logger.isEnabledFor(logging.DEBUG):
        return address
    return redacted(address)


def redacted(address: str) -> str:
    local, at, domain = address.rpartition("@")
    if at and domain.lower() == settings.INTERCOOP_MAIL_DOMAIN.lower():
        name, plus, _token = local.partition("+")
        return f"{name}{'+***' if plus else ''}@{domain}"
    shown = f"{local[:1]}***@{domain}" if at else "***"
    return f"{shown}#{_digest(address)}"


def _digest(address: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8", "surrogateescape")
    data = address.strip().lower().encode("utf-8", "surrogateescape")
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:DIGEST_LENGTH]
