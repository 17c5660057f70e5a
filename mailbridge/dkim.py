"""DKIM signing of outgoing mail (RFC 6376), when a key is configured.

Configured by INTERCOOP_DKIM_SELECTOR and/or INTERCOOP_DKIM_PRIVATE_KEY_PATH: the
selector defaults to "intercoop", the key to `<selector>.key` in the "dkim" storage
(common/storage.py: <data dir>/dkim/, or the object store, where `python manage.py
dkim_keygen` writes it). With neither set, mail leaves unsigned. A configured key
that cannot be read is the operator's error: signing raises DkimConfigError, a
SigningUnavailable: the sender keeps the batch pending rather than send mail that a
DMARC policy would reject.

The signature covers the headers RFC 6376 §5.4.1 recommends, plus
List-Unsubscribe-Post (RFC 8058 §4: both List-Unsubscribe headers MUST be signed),
and "oversigns" From, Subject, Reply-To and the List-Unsubscribe pair so a header of
that name added in transit breaks the signature.

The signature is made by `dkim_signer.Signer` (RSA through `cryptography`), the
same as dkimpy's for the same message, key and time, at a fraction of its cost.
INTERCOOP_DKIM_ED25519_SELECTOR adds a second signature with an Ed25519 key (RFC 8463):
`<selector>.key` beside the RSA one, made by `dkim_keygen --ed25519`.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import dkim as dkimpy
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from common.storage import file_storage, local_path
from mailbridge.dkim_signer import Signer
from mailbridge.errors import SigningUnavailable

logger = logging.getLogger(__name__)

DEFAULT_SELECTOR = "intercoop"
EXTRA_SIGNED = (b"list-unsubscribe-post", b"auto-submitted", b"precedence")
OVERSIGNED = (b"from", b"subject", b"reply-to", b"list-unsubscribe", b"list-unsubscribe-post")


class DkimConfigError(SigningUnavailable):
    """The configured DKIM key is missing or unreadable (the operator's fault)."""


def selector() -> str:
    return settings.INTERCOOP_DKIM_SELECTOR or DEFAULT_SELECTOR


def key_name(selector_name: str) -> str:
    return f"{selector_name}.key"


def default_key_path(selector_name: str) -> Path | None:
    """Where the selector's key is on this host's disk; None in an object store."""
    return local_path(file_storage("dkim"), key_name(selector_name))


def key_path() -> Path | str | None:
    """The key to sign with: a path, the name of an object in the store, or None when
    DKIM is not configured."""
    if settings.INTERCOOP_DKIM_PRIVATE_KEY_PATH:
        return Path(settings.INTERCOOP_DKIM_PRIVATE_KEY_PATH).expanduser()
    if settings.INTERCOOP_DKIM_SELECTOR:
        name = key_name(settings.INTERCOOP_DKIM_SELECTOR)
        return default_key_path(settings.INTERCOOP_DKIM_SELECTOR) or name
    return None


# A key in an object store is read again after this long; a file's mtime is looked at
# for each message (a stat, where the object would cost a request).
STORED_KEY_RECHECK_SECONDS = 60

_cache: dict[tuple, tuple[object, float, Signer]] = {}
_cache_lock = threading.Lock()


def _where(source: Path | str) -> str:
    if isinstance(source, Path):
        return str(source)
    storage = file_storage("dkim")  # a bucket of its own per installation, or per test
    return f"{getattr(storage, 'bucket_name', '')}/{storage.location}/{source}"


def _version(source: Path | str) -> object:
    """What changes with the key: a file's mtime; a stored key's bytes (a GET of a
    couple of kilobytes a minute; the object's time has whole seconds only)."""
    if isinstance(source, Path):
        return source.stat().st_mtime
    return _read(source)


def _read(source: Path | str) -> bytes:
    if isinstance(source, Path):
        return source.read_bytes()
    with file_storage("dkim").open(source, "rb") as file:
        return file.read()


def _signer(source: Path | str, selector_name: str | None = None) -> Signer:
    # The key is read and parsed once, again when it changes (a key rotated without a
    # restart) or the selector or domain do.
    selector_name = selector_name or selector()
    identity = (_where(source), selector_name, settings.INTERCOOP_MAIL_DOMAIN)
    with _cache_lock:
        cached = _cache.get(identity)
    now = time.monotonic()
    stored = not isinstance(source, Path)
    if cached and stored and now - cached[1] < STORED_KEY_RECHECK_SECONDS:
        return cached[2]
    try:
        version = _version(source)
        if cached and cached[0] == version:
            with _cache_lock:
                _cache[identity] = (version, now, cached[2])
            return cached[2]
        pem = version if isinstance(version, bytes) else _read(source)
    except Exception as exc:  # a missing file or object, a store that does not answer
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise DkimConfigError(
            f"DKIM key {_where(source)} cannot be read ({reason}); run "
            "`python manage.py dkim_keygen` or fix INTERCOOP_DKIM_PRIVATE_KEY_PATH"
        ) from exc
    try:
        key = serialization.load_pem_private_key(pem, password=None)
        signer = Signer(
            domain=settings.INTERCOOP_MAIL_DOMAIN,
            selector=selector_name,
            key=key,
            should_sign=dkimpy.DKIM.SHOULD + EXTRA_SIGNED,
            oversigned=OVERSIGNED,
        )
    except (ValueError, TypeError) as exc:
        raise DkimConfigError(
            f"DKIM key {_where(source)} is not a PEM RSA or Ed25519 private key ({exc})"
        ) from exc
    with _cache_lock:
        _cache[identity] = (version, now, signer)
    return signer


def ed25519_key_path() -> Path | str | None:
    """The Ed25519 key of the second signature (RFC 8463), or None: its selector's
    `<selector>.key` in the same storage as the RSA key."""
    chosen = settings.INTERCOOP_DKIM_ED25519_SELECTOR
    if not chosen:
        return None
    return default_key_path(chosen) or key_name(chosen)


def sign_message(message_bytes: bytes) -> bytes:
    """`message_bytes` with its DKIM-Signature header(s) on top, or unchanged when no
    key is configured. Expects the message as it goes on the wire (CRLF line ends).

    With INTERCOOP_DKIM_ED25519_SELECTOR too, two signatures, each over the message
    as written (RFC 8463 §3: receivers that do not know Ed25519 ignore its signature
    and verify the RSA one): the Ed25519 one above the RSA one."""
    headers = []
    source = key_path()
    if source is not None:
        headers.append(_signer(source).header(message_bytes))
    ed25519_source = ed25519_key_path()
    if ed25519_source is not None:
        chosen = settings.INTERCOOP_DKIM_ED25519_SELECTOR
        headers.insert(0, _signer(ed25519_source, chosen).header(message_bytes))
    return b"".join(headers) + message_bytes


def dns_record(
    public_key_b64: str, selector_name: str | None = None, *, algorithm: str = "rsa"
) -> tuple[str, str]:
    """(name, value) of the TXT record publishing `public_key_b64` (RFC 6376 §3.6.1;
    `algorithm` "ed25519": the raw 32-byte key, RFC 8463 §4)."""
    name = f"{selector_name or selector()}._domainkey.{settings.INTERCOOP_MAIL_DOMAIN}"
    return name, f"v=DKIM1; k={algorithm}; p={public_key_b64}"
