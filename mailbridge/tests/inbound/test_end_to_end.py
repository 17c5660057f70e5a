"""The whole road, on real sockets: a web post is mailed out through the outbox to an
SMTP sink; a member answers it from Thunderbird to the Reply-To; the answer appears
under the right post without the quoted part, and the followers receive it."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from forum import services
from forum.models import Post
from mailbridge.models import InboundStatus
from mailbridge.tests.inbound.factories import CLAIRE, HELENE, Scene, member
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.sink import SinkHandler, SmtpSink


def _thunderbird_reply(original, *, reply_to: str) -> bytes:
    """What Thunderbird 102 sends for "Reply": format=flowed, the attribution line,
    the quote, and a signature under "-- "."""
    quoted = "\n".join(
        "> " + line if line else ">"
        for line in original.get_body(("plain",)).get_content().splitlines()
    )
    text = (
        "Bonjour Paul,\n\n"
        "Je serai là mercredi, avec le témoignage de la coopérative Oxalis.\n\n"
        f"Le 04/07/2007 à 09:15, {original['From'].addresses[0].display_name} a écrit :\n"
        f"{quoted}\n\n"
        "-- \nHélène Martin\nOxalis\n"
    )
    headers = (
        "From: =?UTF-8?Q?H=c3=a9l=c3=a8ne_Martin?= <Helene.Martin@exemple.coop>\n"
        f"To: {reply_to}\n"
        f"Subject: Re: {original['Subject']}\n"
        "Date: Wed, 4 Jul 2007 10:12:31 +0200\n"
        "Message-ID: <e2e-4a1b@exemple.coop>\n"
        f"In-Reply-To: {original['Message-ID']}\n"
        f"References: {original['References'] or ''} {original['Message-ID']}\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Thunderbird/102.15.1\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8; format=flowed\n"
        "Content-Transfer-Encoding: 8bit\n"
    )
    return (headers + "\n" + text).replace("\n", "\r\n").encode("utf-8")


def test_a_web_post_answered_from_thunderbird_appears_under_it_and_reaches_followers(
    gateway, settings
):
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        scene = Scene()
        claire = member(scene.board, CLAIRE, name="Claire Bernard")
        question = services.post_add(
            draft=services.PostDraft(
                thread=scene.thread,
                author=scene.paul,
                body="Qui peut animer la table ronde de 14 h ?",
            )
        )  # eager Celery: the outbox is sent now, to the sink
        assert sink.wait_for(3)
        copy = _copy_for_post(sink, HELENE, question.pk)
        reply_to = copy["Reply-To"].addresses[0].addr_spec
        assert reply_to.startswith("reply+")
        before = len(sink.received)

        conversation = gateway.send(
            _thunderbird_reply(copy, reply_to=reply_to), mail_from=HELENE, rcpt_tos=[reply_to]
        )

        assert conversation.data[0] == 250
        stored = conversation.message()
        assert stored.status == InboundStatus.POSTED, stored.trail
        answer = Post.objects.get(pk=stored.post_id)
        assert answer.in_reply_to == question
        assert answer.thread == scene.thread and answer.author == scene.helene
        assert answer.source == "email"
        assert answer.body_text == (
            "Bonjour Paul,\n\nJe serai là mercredi, avec le témoignage de la coopérative Oxalis."
        )
        assert sink.wait_for(before + 2)
        for follower in (scene.paul, claire):
            delivered = _copy_for_post(sink, follower.email, answer.pk)
            assert "avec le témoignage de la coopérative Oxalis" in (
                delivered.get_body(("plain",)).get_content()
            )
            assert delivered["In-Reply-To"] == f"<post-{question.pk}@lists.intercoop.test>"


def _copy_for_post(sink, address: str, post_id: int):
    for received in sink.received:
        message = BytesParser(policy=policy.default).parsebytes(received.data)
        if received.recipients == (address,) and message["X-Intercoop-Post"] == str(post_id):
            return message
    raise AssertionError(f"post {post_id} did not reach {address}")
