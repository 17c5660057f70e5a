"""EMAIL_URL over real TLS: STARTTLS with credentials, SMTPS, and the relay's certificate
checked before anything (the password first of all) is sent.

A throw-away CA (trustme) signs the sink's certificate for 127.0.0.1 and localhost. The
client trusts it as an operator makes Intercoop trust a relay with a private CA: through
SSL_CERT_FILE, which OpenSSL reads each time ssl.create_default_context() (the
transport's context) is called. The outbox is configured from an EMAIL_URL string, parsed
by config.env as at start-up, then sent by the real sender.
"""

from __future__ import annotations

import logging
import ssl
from email import message_from_bytes, policy

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.utils import timezone

from config import env
from forum import services
from mailbridge.models import Bounce, Delivery, DeliveryStatus
from mailbridge.outbound.sender import outbox_send_due
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.outbound.factories import make_board, make_member
from mailbridge.tests.sink import SinkHandler, SmtpSink, free_port

pytestmark = pytest.mark.django_db

LOGIN = "intercoop"
PASSWORD = "s3cret/p@ss"  # "/" and "@" are written %2F and %40 in EMAIL_URL
URL_CREDENTIALS = "intercoop:s3cret%2Fp%40ss"
FOLLOWERS = {"membre0@exemple.org", "membre1@exemple.org"}


# The PKI: one CA the client may trust, the relay's certificate signed by it.


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


@pytest.fixture(scope="module")
def relay_tls(ca) -> ssl.SSLContext:
    return server_context(ca, "127.0.0.1", "localhost")


def trust(ca: trustme.CA, directory, monkeypatch) -> None:
    """The client trusts `ca`, as SSL_CERT_FILE=<its PEM> makes it (in place of the
    system's CA bundle)."""
    path = directory / "relay-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))


@pytest.fixture
def trusted(ca, tmp_path, monkeypatch) -> None:
    trust(ca, tmp_path, monkeypatch)


# The relays: aiosmtpd as a submission port (STARTTLS first, AUTH only over TLS) and as
# an SMTPS port (TLS from the first byte).


class TlsSinkHandler(SinkHandler):
    """A SinkHandler that also notes, for each message accepted, the TLS version of
    its connection (None: in clear) and the login its session authenticated with."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sessions: list[tuple[str | None, bytes | None]] = []
        self.auth_attempts: list[bytes] = []

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        self.auth_attempts.append(auth_data.password)
        ok = auth_data.login == LOGIN.encode() and auth_data.password == PASSWORD.encode()
        # handled=False: aiosmtpd answers the failure itself (535 5.7.8), as a relay does.
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    async def handle_DATA(self, server, session, envelope):
        ssl_object = server.transport.get_extra_info("ssl_object")
        login = session.auth_data.login if session.authenticated else None
        self.sessions.append((ssl_object.version() if ssl_object else None, login))
        return await super().handle_DATA(server, session, envelope)


def submission_relay(tls: ssl.SSLContext) -> SmtpSink:
    handler = TlsSinkHandler()
    return SmtpSink(
        handler,
        tls_context=tls,
        require_starttls=True,
        authenticator=handler.authenticator,
        auth_require_tls=True,
    )


class SmtpsRelay(Controller):
    def __init__(self, tls: ssl.SSLContext):
        handler = TlsSinkHandler()
        super().__init__(
            handler,
            hostname="127.0.0.1",
            port=free_port(),
            ssl_context=tls,
            server_hostname="sink.test",
            authenticator=handler.authenticator,
            # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; on this port the
            # whole connection is TLS (asserted by each test through `sessions`).
            auth_require_tls=False,
        )

    def __enter__(self) -> SmtpsRelay:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def relay_for(kind: str, tls: ssl.SSLContext):
    return submission_relay(tls) if kind == "starttls" else SmtpsRelay(tls)


def url_for(kind: str, port: int, credentials: str = URL_CREDENTIALS) -> str:
    if kind == "starttls":
        return f"smtp://{credentials}@127.0.0.1:{port}?tls=1"
    return f"smtps://{credentials}@127.0.0.1:{port}"


def use_email_url(settings, monkeypatch, url: str) -> None:
    """Point the outbox where EMAIL_URL says, through config.env.email() and the same
    settings config/settings.py fills from it."""
    monkeypatch.setenv("EMAIL_URL", url)
    chosen = env.email(env.data_dir())
    relay_settings(settings, chosen.port)
    settings.EMAIL_BACKEND = chosen.backend
    settings.EMAIL_HOST = chosen.host
    settings.EMAIL_HOST_USER = chosen.user
    settings.EMAIL_HOST_PASSWORD = chosen.password
    settings.EMAIL_USE_TLS = chosen.use_tls
    settings.EMAIL_USE_SSL = chosen.use_ssl


def post_to_followers(count: int = 2):
    board = make_board()
    author = make_member(board, display_name="Autrice")
    for number in range(count):
        make_member(board, email=f"membre{number}@exemple.org")
    return services.thread_create(board=board, author=author, title="Fil", body="Texte.")


def subject(data: bytes) -> str:
    return str(message_from_bytes(data, policy=policy.default)["Subject"])


def statuses() -> set[str]:
    return set(Delivery.objects.values_list("status", flat=True))


def assert_waiting(handler: TlsSinkHandler, *, error: str) -> None:
    """Nothing reached the relay, and every delivery waits for the next try, its
    attempts untouched, the reason in last_error."""
    assert handler.count == 0
    assert statuses() == {DeliveryStatus.PENDING}
    for delivery in Delivery.objects.all():
        assert delivery.attempts == 0
        assert delivery.next_attempt_at > timezone.now()
        assert error in delivery.last_error
    assert not Bounce.objects.exists()


# Delivered.


@pytest.mark.parametrize(
    "url",
    [
        "smtp://{credentials}@127.0.0.1:{port}?tls=1",
        "submission://{credentials}@localhost:{port}",
    ],
    ids=["smtp-tls=1-by-address", "submission-by-name"],
)
def test_a_post_goes_out_over_starttls_with_the_credentials_of_email_url(
    url, relay_tls, trusted, settings, monkeypatch
):
    with submission_relay(relay_tls) as relay:
        use_email_url(
            settings, monkeypatch, url.format(credentials=URL_CREDENTIALS, port=relay.port)
        )
        post_to_followers(2)
        report = outbox_send_due()
    assert report.sent == 2 and not report.relay_down
    assert statuses() == {DeliveryStatus.SENT}
    assert {item.recipients[0] for item in relay.received} == FOLLOWERS
    assert all(subject(item.data).endswith("] Fil") for item in relay.received)
    # Both messages went over TLS, in the one session logged in with the decoded password.
    assert len(relay.handler.sessions) == 2
    for tls_version, login in relay.handler.sessions:
        assert tls_version and tls_version.startswith("TLSv1.")
        assert login == LOGIN.encode()
    assert relay.handler.auth_attempts == [PASSWORD.encode()]


def test_a_post_goes_out_over_smtps(relay_tls, trusted, settings, monkeypatch):
    with SmtpsRelay(relay_tls) as relay:
        use_email_url(settings, monkeypatch, url_for("smtps", relay.port))
        assert settings.EMAIL_USE_SSL and not settings.EMAIL_USE_TLS
        post_to_followers(2)
        report = outbox_send_due()
    assert report.sent == 2
    assert statuses() == {DeliveryStatus.SENT}
    assert {item.recipients[0] for item in relay.handler.received} == FOLLOWERS
    assert len(relay.handler.sessions) == 2
    for tls_version, login in relay.handler.sessions:
        assert tls_version and tls_version.startswith("TLSv1.")
        assert login == LOGIN.encode()
    assert relay.handler.auth_attempts == [PASSWORD.encode()]


# Not delivered, and not lost.


@pytest.mark.parametrize("kind", ["starttls", "smtps"])
def test_a_wrong_password_keeps_the_mail_waiting_until_it_is_fixed(
    kind, relay_tls, trusted, settings, monkeypatch, caplog
):
    with relay_for(kind, relay_tls) as relay:
        use_email_url(settings, monkeypatch, url_for(kind, relay.port, "intercoop:not-it"))
        post_to_followers(2)
        with caplog.at_level(logging.WARNING, logger="mailbridge.outbound.sender"):
            report = outbox_send_due()
        assert report.relay_down and report.sent == 0
        assert_waiting(relay.handler, error="refused our credentials")
        assert "535" in Delivery.objects.first().last_error
        # One warning says why; no password in it nor in the admin's last_error.
        [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert f"127.0.0.1:{relay.port} refused our credentials" in line
        assert "2 deliveries wait" in line
        assert "not-it" not in line and "not-it" not in Delivery.objects.first().last_error

        # The operator fixes EMAIL_URL; at the next try (RELAY_DOWN_SECONDS later) the
        # waiting mail goes out, once to each follower.
        use_email_url(settings, monkeypatch, url_for(kind, relay.port))
        Delivery.objects.update(next_attempt_at=timezone.now())
        assert outbox_send_due().sent == 2
    assert statuses() == {DeliveryStatus.SENT}
    assert sorted(item.recipients[0] for item in relay.handler.received) == sorted(FOLLOWERS)


@pytest.mark.parametrize("kind", ["starttls", "smtps"])
def test_a_relay_certificate_from_an_unknown_ca_stops_everything_before_the_password(
    kind, ca, relay_tls, settings, monkeypatch, tmp_path, caplog
):
    trust(trustme.CA(), tmp_path, monkeypatch)  # the client trusts another CA only
    with relay_for(kind, relay_tls) as relay:
        use_email_url(settings, monkeypatch, url_for(kind, relay.port))
        post_to_followers(2)
        with caplog.at_level(logging.WARNING, logger="mailbridge.outbound.sender"):
            report = outbox_send_due()
        assert report.relay_down and report.sent == 0
        assert relay.handler.auth_attempts == []  # the password never left
        assert_waiting(relay.handler, error=f"the certificate of the relay 127.0.0.1:{relay.port}")
        assert "is not trusted: unable to get local issuer certificate" in (
            Delivery.objects.first().last_error
        )
        assert "certificate" in caplog.text and "2 deliveries wait" in caplog.text

        # The operator makes Intercoop trust the relay's CA: the waiting mail goes out.
        trust(ca, tmp_path, monkeypatch)
        Delivery.objects.update(next_attempt_at=timezone.now())
        assert outbox_send_due().sent == 2
    assert sorted(item.recipients[0] for item in relay.handler.received) == sorted(FOLLOWERS)


def test_a_relay_certificate_for_another_name_is_refused(ca, trusted, settings, monkeypatch):
    with submission_relay(server_context(ca, "relay.example.org")) as relay:
        use_email_url(settings, monkeypatch, url_for("starttls", relay.port))
        post_to_followers(2)
        report = outbox_send_due()
    assert report.relay_down and report.sent == 0
    assert relay.handler.auth_attempts == []
    assert_waiting(relay.handler, error="certificate")
    assert "IP address mismatch" in Delivery.objects.first().last_error


@pytest.mark.parametrize("credentials", [URL_CREDENTIALS, ""], ids=["with-login", "no-login"])
def test_email_url_without_tls_for_a_relay_that_requires_starttls_loses_nothing(
    credentials, relay_tls, trusted, settings, monkeypatch
):
    """The operator forgot ?tls=1: the relay answers 530 (RFC 3207 §4) to everything
    but EHLO and STARTTLS. That is about our session, not about the recipient: the
    mail waits, no delivery fails and no follower is charged with a bounce."""
    with submission_relay(relay_tls) as relay:
        at = f"{credentials}@" if credentials else ""
        use_email_url(settings, monkeypatch, f"smtp://{at}127.0.0.1:{relay.port}")
        assert not settings.EMAIL_USE_TLS
        post_to_followers(2)
        report = outbox_send_due()
    assert report.relay_down and report.sent == 0
    assert relay.handler.auth_attempts == []
    assert_waiting(relay.handler, error=f"relay 127.0.0.1:{relay.port}")
    assert "It offers STARTTLS: add ?tls=1 to EMAIL_URL" in Delivery.objects.first().last_error
