"""With an object store (INTERCOOP_S3_BUCKET): a large message is PUT in the bucket
before the gateway's 250, read back by the worker, its attachments stored there too;
a store that does not answer makes the gateway say 451, never lose the message."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings as django_settings

from config import env
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.raw_files import raw_file_path
from mailbridge.tests.inbound.factories import PAUL, first_post, member, reply_to, session_board
from mailbridge.tests.inbound.support import RunningGateway
from mailbridge.tests.smtp.test_large_messages import FILE_BYTES, _with_attachment


@pytest.fixture
def board(transactional_db, settings, tmp_path, object_store):
    settings.INTERCOOP_INBOUND_FILE_BYTES = FILE_BYTES
    settings.INTERCOOP_INBOUND_DIR = tmp_path / "inbound"  # must stay empty
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path / "attachments"
    return session_board("travail-collaboratif")


@pytest.fixture
def gateway(board, eager_celery):
    running = RunningGateway()
    try:
        yield running
    finally:
        running.close()


def test_a_large_reply_is_put_in_the_bucket_and_posted_from_it(
    gateway, board, object_store, tmp_path
):
    paul = member(board, PAUL)
    address = reply_to(first_post(board, paul), paul)
    data = _with_attachment(address, 2 * FILE_BYTES)
    conversation = gateway.send(data, mail_from=PAUL, rcpt_tos=[address])

    assert conversation.data[0] == 250
    row = InboundMessage.objects.with_raw().get(pk=conversation.inbound_id)
    assert row.raw_file and bytes(row.raw) == b""
    assert raw_file_path(row.raw_file) is None  # no path: it is not on this host
    objects = object_store.objects()
    stored = objects[f"inbound/{row.raw_file}"]
    assert stored.startswith(b"Received: ") and stored.endswith(data)
    # The worker read it from the bucket: the reply is posted, its PDF in the bucket.
    assert row.status == InboundStatus.POSTED, row.trail
    attachment = row.post.attachments.get()
    assert objects[f"attachments/{attachment.path}"].startswith(b"%PDF-1.4\n")
    assert not (tmp_path / "inbound").exists() and not (tmp_path / "attachments").exists()

    row.delete()
    assert f"inbound/{row.raw_file}" not in object_store.objects()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_store_that_does_not_answer_gets_451_and_nothing_is_kept(
    gateway, board, settings, monkeypatch
):
    monkeypatch.setenv("INTERCOOP_S3_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    settings.STORAGES = {**django_settings.STORAGES, **env.file_storages()}
    paul = member(board, PAUL)
    address = reply_to(first_post(board, paul), paul)
    conversation = gateway.send(
        _with_attachment(address, 2 * FILE_BYTES), mail_from=PAUL, rcpt_tos=[address]
    )
    assert conversation.data[0] == 451
    assert not InboundMessage.objects.exists()
