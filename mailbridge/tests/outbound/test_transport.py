"""Where the bytes go: the relay of EMAIL_URL (with credentials), .eml files, or
Django's backend; and the DKIM hook every message passes through."""

from __future__ import annotations

import pytest
from aiosmtpd.smtp import AuthResult
from django.core import mail

from forum import services
from mailbridge.models import Delivery, DeliveryStatus
from mailbridge.outbound import transport
from mailbridge.outbound.sender import outbox_send_due
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.outbound.factories import make_board, make_member
from mailbridge.tests.sink import SinkHandler, SmtpSink

pytestmark = pytest.mark.django_db


def post_to_followers(count: int):
    board = make_board()
    author = make_member(board, display_name="Autrice")
    for number in range(count):
        make_member(board, email=f"membre{number}@exemple.org")
    return services.thread_create(board=board, author=author, title="Fil", body="Texte.")


def only(login: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == login.encode() and auth_data.password == password.encode()
        # handled=False: aiosmtpd then answers the failure itself (535), at once.
        return AuthResult(success=ok, handled=False)

    return authenticator


def test_the_relay_gets_our_credentials(settings):
    with SmtpSink(
        SinkHandler(), authenticator=only("intercoop", "s3cret"), auth_require_tls=False
    ) as sink:
        relay_settings(settings, sink.port)
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "intercoop", "s3cret"
        post_to_followers(2)
        assert outbox_send_due().sent == 2
        assert sink.handler.count == 2


def test_refused_credentials_keep_the_mail_waiting(settings):
    with SmtpSink(
        SinkHandler(), authenticator=only("intercoop", "s3cret"), auth_require_tls=False
    ) as sink:
        relay_settings(settings, sink.port)
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "intercoop", "wrong"
        post_to_followers(2)
        report = outbox_send_due()
    assert report.relay_down and report.sent == 0
    delivery = Delivery.objects.first()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert "refused our credentials" in delivery.last_error and "535" in delivery.last_error


def test_every_message_passes_through_the_dkim_hook(sink, monkeypatch):
    from mailbridge import dkim

    monkeypatch.setattr(dkim, "sign_message", lambda raw: b"DKIM-Signature: v=1; test\r\n" + raw)
    post_to_followers(2)
    outbox_send_due()
    assert sink.wait_for(2)
    assert all(item.data.startswith(b"DKIM-Signature: v=1; test\r\n") for item in sink.received)


def test_an_unusable_dkim_key_keeps_the_mail_waiting(sink, settings, tmp_path):
    settings.INTERCOOP_DKIM_PRIVATE_KEY_PATH = str(tmp_path / "missing.key")
    post_to_followers(2)
    report = outbox_send_due()
    assert report.relay_down and sink.handler.count == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert "DKIM" in Delivery.objects.first().last_error


def test_an_address_that_would_break_the_smtp_command_is_refused_not_sent(sink):
    connection = transport.SmtpTransport()
    connection.open()
    try:
        with pytest.raises(transport.Refused) as refused:
            connection.send(
                envelope_from="bounces+x@lists.intercoop.test",
                recipient="victim@exemple.org>\r\nRCPT TO:<other@exemple.org",
                message=b"Subject: x\r\n\r\nx\r\n",
            )
        assert refused.value.permanent
    finally:
        connection.close()
    assert sink.handler.count == 0


def test_the_embedded_outbox_writes_one_eml_file_per_message(settings, tmp_path):
    settings.EMAIL_BACKEND = "config.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    post_to_followers(3)
    assert outbox_send_due().sent == 3
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 3
    first = files[0].read_bytes()
    assert first.startswith(b"Return-Path: <bounces+")
    assert b"\r\nDelivered-To: membre" in first
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in first
    assert not list((tmp_path / "outbox").glob("*.part"))


def test_other_django_backends_receive_the_prebuilt_message(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    post_to_followers(2)
    assert outbox_send_due().sent == 2
    assert len(mail.outbox) == 2
    assert mail.outbox[0].message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
