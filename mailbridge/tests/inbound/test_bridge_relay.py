"""The optional second way of a bridge, over real SMTP: a post written on Intercoop
in the network's board goes to the network's list ("Name via Intercoop", Reply-To
the list and the forum, our Message-ID, X-Intercoop-Origin); the copy the list
sends back to the bridge makes no second post; a post that came through the bridge
is never relayed, nor anything while the relay is off."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from forum import services
from forum.models import Post
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.bridge_support import (
    BRIDGE,
    MAILMAN,
    NETWORK_LIST,
    bridged_network,
    list_mail,
)
from mailbridge.tests.inbound.factories import member
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.sink import SinkHandler, SmtpSink

LIST_SENDER = "accorderies-bounces@lists.accorderies.example"


def _relaying():
    bridge, board, referent = bridged_network()
    bridge.relay = True
    bridge.save(update_fields=["relay"])
    return bridge, board


def _as_the_list_delivers_it(data: bytes) -> bytes:
    """The relayed message as Mailman 2 sends it to its members, the bridge among
    them: its headers added, its subject tagged, its footer appended."""
    head, _, body = data.partition(b"\r\n\r\n")
    head = head.replace(b"Subject: ", b"Subject: [Accorderies] ")
    added = (
        b"\r\nList-Id: Accorderies <accorderies.lists.accorderies.example>"
        b"\r\nX-Mailman-Version: 2.1.29\r\nPrecedence: list"
        b"\r\nList-Post: <mailto:accorderies@lists.accorderies.example>"
    )
    footer = (
        b"_______________________________________________\r\nAccorderies mailing list\r\n"
        b"accorderies@lists.accorderies.example\r\n"
    )
    return head + added + b"\r\n\r\n" + body + footer


def test_a_post_written_on_intercoop_goes_to_the_list_and_does_not_come_back(gateway, settings):
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        _bridge, board = _relaying()
        paul = member(board, "paul@exemple.coop", name="Paul Durand", level=None)
        thread = services.thread_create(
            board=board, author=paul, title="Un outil commun ?", body="Et si on partageait ?"
        )
        post = thread.posts.get()
        assert sink.wait_for(1)
        (received,) = [r for r in sink.received if r.recipients == (MAILMAN,)]
    relayed = BytesParser(policy=policy.default).parsebytes(received.data)
    assert str(relayed["From"]) == f"Paul Durand via Intercoop <{BRIDGE}>"
    assert {a.addr_spec for a in relayed["Reply-To"].addresses} == {MAILMAN, NETWORK_LIST}
    assert relayed["Message-ID"] == f"<post-{post.pk}@lists.intercoop.test>"
    assert relayed["X-Intercoop-Origin"].endswith(f"#post-{post.pk}")
    assert "Et si on partageait ?" in relayed.get_body(("plain",)).get_content()
    back = gateway.send(
        _as_the_list_delivers_it(received.data), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    assert (back.status, back.reason) == (InboundStatus.REJECTED, "loop")
    assert Post.objects.count() == 1


def test_the_loop_guard_holds_when_the_list_drops_our_marker(gateway, settings):
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        _bridge, board = _relaying()
        paul = member(board, "paul@exemple.coop", name="Paul Durand", level=None)
        services.thread_create(board=board, author=paul, title="Titre", body="Texte.")
        assert sink.wait_for(1)
        (received,) = [r for r in sink.received if r.recipients == (MAILMAN,)]
    stripped = b"\r\n".join(
        line for line in received.data.split(b"\r\n") if not line.startswith(b"X-Intercoop")
    )
    back = gateway.send(
        _as_the_list_delivers_it(stripped), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    assert (back.status, back.reason) == (InboundStatus.REJECTED, "loop")  # our Message-ID
    assert Post.objects.count() == 1


def test_a_post_that_came_through_the_bridge_is_not_relayed(gateway):
    _relaying()
    stored = gateway.send(
        list_mail("mailman2_munged.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    assert stored.status == InboundStatus.NEW_THREAD
    assert not Delivery.objects.filter(kind=DeliveryKind.RELAY).exists()


def test_nothing_is_relayed_while_the_relay_is_off(gateway):
    _bridge, board, _referent = bridged_network()
    paul = member(board, "paul@exemple.coop", name="Paul Durand", level=None)
    services.thread_create(board=board, author=paul, title="Titre", body="Texte.")
    assert not Delivery.objects.filter(kind=DeliveryKind.RELAY).exists()
