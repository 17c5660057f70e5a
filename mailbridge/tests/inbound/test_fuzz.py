"""Random and garbled MIME through SMTP DATA: the gateway never crashes, keeps
answering, and every stored message ends with a decision (rejected with a reason at
worst), never with an exception escaping the pipeline."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene

FINAL = {
    InboundStatus.POSTED,
    InboundStatus.NEW_THREAD,
    InboundStatus.HELD,
    InboundStatus.REJECTED,
    InboundStatus.BOUNCE,
    InboundStatus.COMMAND,
    InboundStatus.DUPLICATE,
}

HEADER_NAMES = [
    "From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Content-Type",
    "Content-Transfer-Encoding", "Content-Disposition", "MIME-Version", "Auto-Submitted",
    "Precedence", "Authentication-Results", "X-Intercoop-Post", "Received", "Date",
]  # fmt: skip
NASTY = [
    b"=?utf-8?q?=C3?=", b"=?x-unknown?b?////?=", b"=?utf-8?B?broken", b"\xff\xfe\x00",
    b"multipart/mixed; boundary=", b'multipart/alternative; boundary="b"', b"text/plain; charset=",
    b"text/plain; charset=x-none; format=flowed; delsp=yes", b"message/rfc822",
    b"multipart/report; report-type=delivery-status; boundary=r", b"base64", b"quoted-printable",
    b"attachment; filename*=utf-8''%FF%FE..%2F..%2Fx", b"<post-1@lists.intercoop.test>",
    b"Helene <Helene.Martin@exemple.coop>", b"\"unterminated <a@b", b"auto-replied", b"bulk",
    b"mx; dmarc=fail header.from=exemple.coop", b"--b", b"--b--", b"--r", b"=\r\n", b"=ZZ",
    "Réponse automatique".encode("latin-1"), "élève".encode(), b"\t", b" ", b"\r", b"\n.\n",
]  # fmt: skip

chunks = st.one_of(st.sampled_from(NASTY), st.binary(max_size=40))
header = st.tuples(st.sampled_from(HEADER_NAMES), st.lists(chunks, max_size=4)).map(
    lambda pair: pair[0].encode() + b": " + b"".join(pair[1])
)
message = st.one_of(
    st.binary(max_size=600),
    st.tuples(
        st.lists(header, max_size=10),
        st.lists(st.one_of(chunks, st.just(b"\r\n")), max_size=30),
    ).map(lambda parts: b"\r\n".join(parts[0]) + b"\r\n\r\n" + b"".join(parts[1])),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=message, to_list=st.booleans(), known_from=st.booleans())
def test_garbled_mime_never_crashes_the_gateway_or_the_pipeline(gateway, data, to_list, known_from):
    scene = _scene()
    if known_from:
        data = b"From: Helene.Martin@exemple.coop\r\n" + data
    client = gateway.client()
    try:
        conversation = gateway.send(
            data,
            mail_from=HELENE,
            rcpt_tos=[scene.list_address if to_list else scene.address],
            client=client,
        )
        assert conversation.data is not None
        code, text = conversation.data
        assert code == 250 or (code, text[:5]) in {(500, "5.5.2"), (552, "5.3.4")}, text
        assert client.noop()[0] == 250  # still answering
    finally:
        client.quit()
    if conversation.inbound_id is not None:
        stored = InboundMessage.objects.get(pk=conversation.inbound_id)
        assert stored.status in FINAL, (stored.status, stored.trail)
        assert stored.reason
        assert all(entry["outcome"] != "error" for entry in stored.trail), stored.trail


_scenes: dict[int, Scene] = {}


def _scene() -> Scene:
    """One scene per test database (hypothesis runs the examples in one test)."""
    from forum.models import Board

    board = Board.objects.filter(slug="session").first()
    if board is None or board.pk not in _scenes:
        _scenes.clear()
        scene = Scene()
        _scenes[scene.board.pk] = scene
        return scene
    return _scenes[board.pk]
