"""Where outgoing messages go: the SMTP relay of EMAIL_URL, or .eml files.

A transport is opened once per batch and hands over prebuilt bytes with an
explicit envelope (RFC 5321 §3.3: MAIL FROM is the VERP bounce address, RCPT TO
the one recipient). Each `send` ends in one of three ways:

- it returns: the relay accepted the message (250 after DATA);
- `Refused(code, text)`: the relay answered this message with a 4xx or 5xx
  (RFC 5321 §4.2.1: 4xx is transient, try again later; 5xx is permanent);
- `RelayUnavailable`: the connection could not be made (refused, timeout, a
  certificate not trusted, credentials refused) or was lost, or the relay wants
  STARTTLS or a login first (530). Whether a message in flight at that instant was
  accepted is unknown (the duplicate window, docs/architecture.md "Outbound
  mail"); the transport is unusable.

`sign()` is the hook every message passes through just before it leaves: DKIM
(mailbridge.dkim.sign_message) when that module is installed and configured.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import socket
import ssl
import uuid
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from mailbridge.errors import RelayUnavailable, SigningUnavailable

logger = logging.getLogger(__name__)

SMTP_BACKENDS = {"django.core.mail.backends.smtp.EmailBackend"}
FILE_BACKENDS = {"config.mail.EmlFileBackend", "django.core.mail.backends.filebased.EmailBackend"}


_UNSAFE = re.compile(r"[\s<>]")


class Refused(Exception):
    """The relay refused one message with an SMTP reply code."""

    def __init__(self, code: int, text: str):
        super().__init__(f"{code} {text}")
        self.code = code
        self.text = text

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600


def sign(message_bytes: bytes) -> bytes:
    """The DKIM hook: `mailbridge.dkim.sign_message(bytes) -> bytes` when present.

    Runs per recipient (the footer makes each body different, so is each
    signature). A configured key that cannot be used raises SigningUnavailable:
    the batch then waits for the operator, as it would for a relay that is down.
    """
    try:
        from mailbridge import dkim
    except ImportError:
        return message_bytes
    try:
        return dkim.sign_message(message_bytes)
    except dkim.DkimConfigError as exc:
        raise SigningUnavailable(str(exc)) from exc


def _decode(text) -> str:
    if isinstance(text, bytes):
        return text.decode("utf-8", "replace")
    return str(text)


def _starttls_hint(connection: smtplib.SMTP | None) -> str:
    """What to change when a relay that offers STARTTLS was spoken to in clear (once
    TLS is on, it offers it no more: RFC 3207 §4.2)."""
    if connection is not None and connection.has_extn("starttls"):
        return ". It offers STARTTLS: add ?tls=1 to EMAIL_URL (or use submission://)"
    return ""


def _open_error(exc: Exception, relay: str, connection: smtplib.SMTP | None) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"relay {relay} refused our credentials: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):  # before any command: no password sent
        return f"the certificate of the relay {relay} is not trusted: {exc.verify_message}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # no AUTH (in clear?), or no STARTTLS
        what = str(exc).rstrip(".") + _starttls_hint(connection)
        return f"the relay {relay} cannot do what EMAIL_URL asks: {what}"
    return f"cannot reach the relay {relay}: {exc}"


class SmtpTransport:
    """One connection to the relay (smtp, smtps or STARTTLS, with credentials),
    reused for every message of a batch: no connect per message."""

    def __init__(self):
        self.connection: smtplib.SMTP | None = None
        self.relay = ""

    def open(self) -> None:
        host, port = settings.EMAIL_HOST, int(settings.EMAIL_PORT)
        timeout = settings.EMAIL_TIMEOUT
        self.relay = f"{host}:{port}"
        connection = None
        try:
            if settings.EMAIL_USE_SSL:
                connection = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                connection = smtplib.SMTP(host, port, timeout=timeout)
            # SMTP is a conversation of short lines: without TCP_NODELAY, Nagle's
            # algorithm holds each command back waiting for the previous ACK.
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.ehlo()
            if settings.EMAIL_USE_TLS:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if settings.EMAIL_HOST_USER:
                connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        except (OSError, smtplib.SMTPException) as exc:
            error = _open_error(exc, self.relay, connection)
            if connection is not None:  # closed now, not whenever the garbage collector runs
                connection.close()
            raise RelayUnavailable(error) from exc
        self.connection = connection

    def send(self, *, envelope_from: str, recipient: str, message: bytes) -> None:
        """One SMTP transaction (RFC 5321 §3.3): MAIL, RCPT, DATA.

        Written with smtplib's docmd/data rather than sendmail(): sendmail parses
        both addresses again with email.utils, a large share of the client's CPU per
        message (docs/benchmarks.md, "Costs behind the code"). Ours come from the
        database and from mailbridge.tokens; anything that could break the command
        line is refused before it is sent.
        """
        connection = self.connection
        if connection is None:
            raise RelayUnavailable("no connection to the relay (closed after an error)")
        if _UNSAFE.search(recipient) or _UNSAFE.search(envelope_from):
            raise Refused(553, f"address {recipient!r} cannot be written in an SMTP command")
        utf8 = "" if recipient.isascii() else " SMTPUTF8"
        # smtplib writes commands in ASCII unless told (its sendmail() does so for SMTPUTF8).
        connection.command_encoding = "utf-8" if utf8 else "ascii"
        try:
            code, text = connection.docmd("mail", f"FROM:<{envelope_from}>{utf8}")
            if code == 250:
                code, text = connection.docmd("rcpt", f"TO:<{recipient}>")
                if code in (250, 251):
                    code, text = connection.data(message)
                    if code == 250:
                        return
            if code == 421:  # RFC 5321 §3.8: the server is closing the channel
                self._drop()
                raise RelayUnavailable(f"the relay is closing: {code} {_decode(text)}")
            if code == 530:  # RFC 3207 §4, RFC 4954 §6: about our session, not the recipient
                error = f"the relay {self.relay} wants STARTTLS or a login first: {code} "
                error += _decode(text) + _starttls_hint(connection)
                self.close()
                raise RelayUnavailable(error)
            self._rset_quietly()  # the refused transaction is abandoned; the next starts clean
        except smtplib.SMTPDataError as exc:  # DATA not answered with 354
            code, text = exc.smtp_code, exc.smtp_error
            if code == 421:
                self._drop()
                raise RelayUnavailable(f"the relay is closing: {code} {_decode(text)}") from exc
            self._rset_quietly()
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise RelayUnavailable(f"lost the relay: {exc}") from exc
        raise Refused(code, _decode(text))

    def _rset_quietly(self) -> None:
        try:
            self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        """Forget a connection the relay closed or broke (no QUIT: it would fail)."""
        if self.connection is not None:
            try:
                self.connection.close()
            except OSError:
                pass
        self.connection = None

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            try:
                self.connection.close()
            except OSError:
                pass
        self.connection = None


class FileTransport:
    """The embedded outbox: one .eml file per message under EMAIL_FILE_PATH.

    The envelope is written as the trace headers a final delivery adds (RFC 5321
    §4.4): `Return-Path: <bounces+…>` for MAIL FROM and `Delivered-To:` for RCPT TO,
    so a mail client opening the file shows where a bounce would go. Each file is
    fsync'ed then renamed into place: never half a message, never a lost one.
    """

    def __init__(self, directory: str | None = None):
        self.directory = Path(directory or settings.EMAIL_FILE_PATH)

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RelayUnavailable(f"cannot create the outbox {self.directory}: {exc}") from exc

    def send(self, *, envelope_from: str, recipient: str, message: bytes) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        final = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        partial = final.with_suffix(".part")
        trace = f"Return-Path: <{envelope_from}>\r\nDelivered-To: {recipient}\r\n".encode()
        try:
            with open(partial, "wb") as handle:
                handle.write(trace)
                handle.write(message)
                handle.flush()
                os.fsync(handle.fileno())
            partial.rename(final)
        except OSError as exc:
            raise RelayUnavailable(f"cannot write {final}: {exc}") from exc

    def close(self) -> None:
        pass


class _RawEmail(EmailMessage):
    """A Django EmailMessage whose message() is our prebuilt bytes, parsed."""

    def __init__(self, envelope_from: str, recipient: str, raw: bytes):
        self.parsed = message_from_bytes(raw, policy=policy.default)
        super().__init__(
            subject=str(self.parsed["Subject"] or ""), from_email=envelope_from, to=[recipient]
        )
        self.raw = raw

    def message(self, *args, **kwargs):
        return self.parsed


class DjangoBackendTransport:
    """Any other EMAIL_BACKEND (locmem in tests, console): hand the prebuilt bytes
    to it wrapped in a Django EmailMessage, so `mail.outbox` shows list mail too."""

    def __init__(self):
        self.backend = get_connection(fail_silently=False)

    def open(self) -> None:
        self.backend.open()

    def send(self, *, envelope_from: str, recipient: str, message: bytes) -> None:
        self.backend.send_messages([_RawEmail(envelope_from, recipient, message)])

    def close(self) -> None:
        self.backend.close()


def transport_for_settings():
    """The transport EMAIL_BACKEND (set from EMAIL_URL by config.env) asks for."""
    backend = settings.EMAIL_BACKEND
    if backend in SMTP_BACKENDS:
        return SmtpTransport()
    if backend in FILE_BACKENDS:
        return FileTransport()
    return DjangoBackendTransport()
