"""A network's list `<network-slug>@`, over real SMTP: the same semantics as a
session's (new thread by mail for members, strangers held, reply by mail, the
followers' copies), and a shared thread's post reaching each person once."""

from __future__ import annotations

import time
from email import policy
from email.parser import BytesParser

from forum import services
from forum.models import FollowLevel, Network, Thread
from forum.tests.factories import make_user
from mailbridge.models import InboundStatus
from mailbridge.tests.inbound.factories import CLAIRE, HELENE, PAUL, member, reply_to, token_of
from mailbridge.tests.inbound.support import fixture
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.outbound.factories import make_board
from mailbridge.tests.sink import SinkHandler, SmtpSink

DOMAIN = "lists.intercoop.test"


def _network_board(name="Réseau des Accorderies"):
    """An approved network's board, on the latest event (a session's board's)."""
    session_board = make_board(slug="travail-collaboratif")
    organiser = make_user(is_superuser=True)
    proposer = make_user(display_name="Référente")
    network = services.network_propose(user=proposer, name=name)
    services.network_approve(network=network, organiser=organiser)
    network = Network.objects.select_related("board").get(pk=network.pk)
    return session_board, network.board


def _new_thread(to: str) -> bytes:
    return fixture("new_thread_gmail_fr.eml").replace(b"session@lists.intercoop.test", to.encode())


def test_a_member_opens_a_thread_by_writing_to_the_network_list(gateway):
    _session, board = _network_board()
    claire = member(board, CLAIRE, name="Claire Bernard")
    address = f"reseau-des-accorderies@{DOMAIN}"
    stored = gateway.send(_new_thread(address), mail_from=CLAIRE, rcpt_tos=[address]).message()
    assert (stored.status, stored.reason) == (InboundStatus.NEW_THREAD, "new_thread")
    thread = stored.post.thread
    assert thread.board == board and thread.author == claire


def test_a_stranger_writing_to_the_network_list_is_held(gateway):
    _network_board()
    address = f"reseau-des-accorderies@{DOMAIN}"
    stored = gateway.send(_new_thread(address), mail_from=CLAIRE, rcpt_tos=[address]).message()
    assert (stored.status, stored.reason) == (InboundStatus.HELD, "unknown_sender")
    assert not Thread.objects.exists()


def test_a_proposed_network_has_no_list_yet(gateway):
    make_board()
    services.network_propose(user=make_user(), name="Pas encore")
    conversation = gateway.send(
        _new_thread(f"pas-encore@{DOMAIN}"), mail_from=CLAIRE, rcpt_tos=[f"pas-encore@{DOMAIN}"]
    )
    assert conversation.rcpt[f"pas-encore@{DOMAIN}"][0] == 550


def _copies(sink, address: str, post_id: int):
    found = []
    for received in sink.received:
        message = BytesParser(policy=policy.default).parsebytes(received.data)
        if received.recipients == (address,) and message["X-Intercoop-Post"] == str(post_id):
            found.append(message)
    return found


def test_a_reply_by_mail_in_a_network_board_reaches_its_followers(gateway, settings):
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        _session, board = _network_board()
        paul = member(board, PAUL, name="Paul Durand")
        helene = member(board, HELENE, name="Hélène Martin")
        thread = services.thread_create(board=board, author=paul, title="Outils", body="Lesquels ?")
        question = thread.posts.get()
        assert sink.wait_for(1)
        copy = _copies(sink, HELENE, question.pk)[0]
        assert copy["List-Post"] == f"<mailto:reseau-des-accorderies@{DOMAIN}>"
        address = reply_to(question, helene)
        data = fixture("reply_thunderbird_fr.eml", TOKEN=token_of(address), POSTID=str(question.pk))
        stored = gateway.send(data, mail_from=HELENE, rcpt_tos=[address]).message()
        assert stored.status == InboundStatus.POSTED, stored.trail
        assert stored.post.thread == thread and stored.post.in_reply_to == question
        assert sink.wait_for(2)
        assert len(_copies(sink, PAUL, stored.post_id)) == 1


def test_a_shared_thread_post_reaches_a_person_following_both_boards_once(gateway, settings):
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        session_board, network_board = _network_board()
        paul = member(session_board, PAUL, name="Paul Durand")
        helene = member(session_board, HELENE, name="Hélène Martin")
        services.follow_set(user=helene, board=network_board, level=FollowLevel.EMAIL)
        claire = member(network_board, CLAIRE, name="Claire Bernard")
        thread = services.thread_create(
            board=session_board, author=paul, title="Passerelle", body="Premier."
        )
        services.thread_share(thread=thread, board=network_board, user=paul)
        post = services.post_add(
            draft=services.PostDraft(thread=thread, author=paul, body="Pour les deux forums.")
        )
        # Hélène's copy of the first post, then the reply's to Hélène and Claire.
        assert sink.wait_for(3)
        time.sleep(1)  # a second copy, were there one, is sent in the same batch
        assert len(sink.received) == 3
        assert len(_copies(sink, HELENE, post.pk)) == 1
        # Followed through the network's board only: reached too.
        assert len(_copies(sink, CLAIRE, post.pk)) == 1
        assert claire.pk != helene.pk
        # Before the fix the recipients' query had a row per board followed.
        from mailbridge.outbound.recipients import post_recipients

        post = type(post).objects.select_related("thread__board__session").get(pk=post.pk)
        assert sorted(r.address for r in post_recipients(post=post)) == sorted([HELENE, CLAIRE])
