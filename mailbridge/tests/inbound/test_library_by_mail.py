"""A library entry's discussion by mail, on real sockets: a member who follows the
library's board gets the entry's first post through a real relay, answers it from
their mail client, and the answer lands in the entry's thread."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from forum.models import Follow, FollowLevel, Post
from forum.services.library import library_board
from forum.tests.library_factories import entry, pdf_upload
from mailbridge.models import InboundStatus
from mailbridge.tests.inbound.factories import HELENE, PAUL, member, session_board
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.sink import SinkHandler, SmtpSink


def test_an_entry_discussion_is_mailed_to_followers_and_answered_by_mail(gateway, settings):
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        board = session_board("atelier")
        helene = member(board, HELENE, name="Hélène Martin", level=None)
        paul = member(board, PAUL, name="Paul Durand", level=None)
        Follow.objects.create(user=paul, board=library_board(), level=FollowLevel.EMAIL)
        made = entry(
            helene,
            "Carte des acteurs du territoire",
            description="Une méthode pour *cartographier* les partenaires.",
            upload=pdf_upload("carte.pdf"),
        )
        assert made.thread.board.event == board.event
        assert sink.wait_for(1)
        [received] = [r for r in sink.received if r.recipients == (PAUL,)]
        copy = BytesParser(policy=policy.default).parsebytes(received.data)
        assert copy["From"].addresses[0].display_name == "Hélène Martin via Intercoop"
        assert "Carte des acteurs du territoire" in copy["Subject"]
        text = copy.get_body(("plain",)).get_content()
        assert "cartographier" in text
        assert "https://forum.intercoop.test" + made.get_absolute_url() in text
        reply_to = copy["Reply-To"].addresses[0].addr_spec
        answer = (
            (
                f"From: Paul Durand <{PAUL}>\nTo: {reply_to}\nSubject: Re: {copy['Subject']}\n"
                f"Message-ID: <lib1@exemple.org>\nIn-Reply-To: {copy['Message-ID']}\n"
                "Content-Type: text/plain; charset=UTF-8\n\n"
                "Nous l'avons essayée à Lyon : elle marche.\n"
            )
            .replace("\n", "\r\n")
            .encode()
        )
        stored = gateway.send(answer, mail_from=PAUL, rcpt_tos=[reply_to]).message()
        assert stored.status == InboundStatus.POSTED, stored.trail
        post = Post.objects.get(pk=stored.post_id)
        assert post.thread == made.thread and post.author == paul
        assert post.body_text == "Nous l'avons essayée à Lyon : elle marche."
        assert post.source == "email"
