"""Testimonies by mail, on real sockets: a registered person writes to
`<session-slug>+temoignage@`; the subject becomes the title, the testimony a thread of
the session's « Témoignages » board mailed to the group through a real relay, and a
member's reply from their mail client lands in it. Anonymous by the subject's
« [anonyme] »: no copy names the author. Strangers are held, people not registered
for the session refused with a notice, and a session holding testimonies keeps them
for review, telling the sender."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from forum.models import BoardKind, Post
from forum.models import testimony as records
from forum.selectors import testimonies as testimony_reads
from forum.services import testimonies as testimony_services
from forum.tests.factories import make_registration, make_user
from mailbridge.inbound.reasons import Reason
from mailbridge.inbound.steps.create_testimony import consent_of
from mailbridge.inbound.testimony_themes import themes_read
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import CLAIRE, HELENE, PAUL, member, session_board
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.sink import SinkHandler, SmtpSink

TEXT = (
    "Dans notre SCOP, personne ne disait que le bureau était épuisé.\n"
    "Le jour où la présidente est partie, tout le monde a découvert les non-dits."
)


def mail(
    subject: str, *, sender: str = HELENE, to: str, text: str = TEXT, msgid: str = "t1"
) -> bytes:
    headers = (
        f"From: Hélène Martin <{sender}>\n"
        f"To: {to}\n"
        f"Subject: {subject}\n"
        "Date: Mon, 2 Jul 2007 10:12:31 +0200\n"
        f"Message-ID: <{msgid}@exemple.coop>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
    )
    return (headers + "\n" + text + "\n").replace("\n", "\r\n").encode("utf-8")


class Scene:
    def __init__(self):
        self.board = session_board("atelier")
        self.session = self.board.session
        self.address = "atelier+temoignage@lists.intercoop.test"
        self.helene = member(self.board, HELENE, name="Hélène Martin")
        self.paul = member(self.board, PAUL, name="Paul Durand")
        for person in (self.helene, self.paul):
            person.registrations.get().sessions.set([self.session])


def parsed(received):
    return BytesParser(policy=policy.default).parsebytes(received.data)


def copies_to(sink, address: str):
    return [parsed(r) for r in sink.received if r.recipients == (address,)]


def test_consent_by_mail_is_signed_unless_the_subject_or_first_line_says_anonymous():
    assert consent_of("Le bureau épuisé", TEXT) == ("signed", "Le bureau épuisé", TEXT)
    assert consent_of("Re: [atelier] [Anonyme] Le bureau", TEXT)[0] == "anonymous"
    assert consent_of("[anonyme] Le bureau épuisé", TEXT) == ("anonymous", "Le bureau épuisé", TEXT)
    assert consent_of("Anonymous: The tired board", TEXT)[:2] == ("anonymous", "The tired board")
    assert consent_of("Re: Anonyme : X", TEXT)[:2] == ("anonymous", "X")
    assert consent_of("Récit", "anonyme\n\n" + TEXT) == ("anonymous", "Récit", TEXT)
    # The word inside a sentence is no request.
    assert consent_of("Un récit non anonyme", "Je reste anonyme ici.")[0] == "signed"


def test_a_testimony_by_mail_becomes_a_thread_mailed_to_the_group_and_is_answered(
    gateway, settings
):
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        scene = Scene()
        conversation = gateway.send(
            mail("Le bureau épuisé", to=scene.address), mail_from=HELENE, rcpt_tos=[scene.address]
        )
        assert conversation.rcpt[scene.address][0] == 250
        stored = conversation.message()
        assert stored.status == InboundStatus.NEW_THREAD, stored.trail
        assert stored.reason == Reason.TESTIMONY_PUBLISHED.value
        testimony = records.Testimony.objects.get()
        assert testimony.consent == "signed" and testimony.source == "email"
        thread = testimony.thread
        assert thread.title == "Le bureau épuisé" and thread.author == scene.helene
        assert thread.board.kind == BoardKind.TESTIMONIES
        # Paul follows the session: the testimony reaches him from the testimony address.
        assert sink.wait_for(1)
        copy = copies_to(sink, PAUL)[0]
        assert copy["From"].addresses[0].display_name == "Hélène Martin via Intercoop"
        assert copy["From"].addresses[0].addr_spec == scene.address
        assert "le bureau était épuisé" in copy.get_body(("plain",)).get_content()
        reply_to = copy["Reply-To"].addresses[0].addr_spec
        answer = (
            (
                f"From: Paul Durand <{PAUL}>\nTo: {reply_to}\nSubject: Re: {copy['Subject']}\n"
                f"Message-ID: <r1@exemple.org>\nIn-Reply-To: {copy['Message-ID']}\n"
                "Content-Type: text/plain; charset=UTF-8\n\nMerci, cela nous parle beaucoup.\n"
            )
            .replace("\n", "\r\n")
            .encode()
        )
        replied = gateway.send(answer, mail_from=PAUL, rcpt_tos=[reply_to]).message()
        assert replied.status == InboundStatus.POSTED, replied.trail
        post = Post.objects.get(pk=replied.post_id)
        assert post.thread == thread and post.author == scene.paul
        assert post.body_text == "Merci, cela nous parle beaucoup."


def test_an_anonymous_testimony_by_mail_names_nobody_in_any_copy(gateway, settings):
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        scene = Scene()
        gateway.send(
            mail("[anonyme] Ce qu'on ne disait pas", to=scene.address),
            mail_from=HELENE,
            rcpt_tos=[scene.address],
        )
        testimony = records.Testimony.objects.get()
        assert testimony.consent == "anonymous" and testimony.author == scene.helene
        assert testimony.thread.title == "Ce qu'on ne disait pas"
        assert testimony.thread.author.profile.display_name == "Témoignage anonyme"
        assert sink.wait_for(2)  # Paul, and Hélène too: she follows the session
        for received in sink.received:
            assert (
                b"H=C3=A9l=C3=A8ne" not in received.data and "Hélène".encode() not in received.data
            )
            assert b"Helene.Martin" not in received.data.replace(b"To: Helene.Martin", b"")
            message = parsed(received)
            assert message["From"].addresses[0].display_name == "Témoignage anonyme via Intercoop"


def test_strangers_are_held_and_people_not_registered_for_the_session_refused(gateway):
    scene = Scene()
    stranger = gateway.send(
        mail("Mon récit", sender=CLAIRE, to=scene.address, msgid="s1"),
        mail_from=CLAIRE,
        rcpt_tos=[scene.address],
    ).message()
    assert stranger.status == InboundStatus.HELD and stranger.reason == Reason.UNKNOWN_SENDER.value
    outsider = make_user(email="marc@exemple.org", display_name="Marc")
    make_registration(user=outsider, event=scene.board.event, sessions=[])
    refused = gateway.send(
        mail("Mon récit", sender="marc@exemple.org", to=scene.address, msgid="s2"),
        mail_from="marc@exemple.org",
        rcpt_tos=[scene.address],
    ).message()
    assert refused.status == InboundStatus.REJECTED
    assert refused.reason == Reason.TESTIMONY_NOT_REGISTERED.value
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE, address="marc@exemple.org")
    assert "inscrites à cette session" in notice.payload["text"]
    too_long = gateway.send(
        mail("Long", to=scene.address, text="x" * 3100, msgid="s3"),
        mail_from=HELENE,
        rcpt_tos=[scene.address],
    ).message()
    assert too_long.reason == Reason.TESTIMONY_TOO_LONG.value
    assert not records.Testimony.objects.exists()
    unknown = gateway.send(
        mail("X", to="nulle-part+temoignage@lists.intercoop.test", msgid="s4"),
        mail_from=HELENE,
        rcpt_tos=["nulle-part+temoignage@lists.intercoop.test"],
    )
    assert unknown.rcpt["nulle-part+temoignage@lists.intercoop.test"][0] == 550


def test_a_session_that_holds_testimonies_keeps_one_by_mail_for_review_and_says_so(gateway):
    scene = Scene()
    call = testimony_services.testimony_call_for(scene.session)
    call.hold_for_review = True
    call.save()
    stored = gateway.send(
        mail("Le bureau épuisé", to=scene.address), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert stored.status == InboundStatus.TESTIMONY, stored.trail
    testimony = records.Testimony.objects.get()
    assert testimony.status == records.TestimonyStatus.PENDING and testimony.thread is None
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE, address__iexact=HELENE)
    assert "relit avant de le publier" in notice.payload["text"]
    # The same message again is a duplicate, not a second testimony.
    again = gateway.send(
        mail("Le bureau épuisé", to=scene.address), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert again.status == InboundStatus.DUPLICATE
    assert records.Testimony.objects.count() == 1


@pytest.mark.parametrize(
    "address",
    ["atelier+temoignage@lists.intercoop.test", "ATELIER+Temoignage@lists.intercoop.test"],
)
def test_the_testimony_address_is_parsed(address):
    from mailbridge.addresses import AddressKind, parse_address

    parsed_address = parse_address(address)
    assert parsed_address.kind is AddressKind.TESTIMONY and parsed_address.slug == "atelier"


def test_a_themes_line_first_or_last_is_read_and_taken_out_of_the_text():
    themes = [(1, "désimplication"), (2, "non-dits"), (5, "amateurs et professionnels")]
    read = themes_read("Thèmes : Non dits et désimplication\n\n" + TEXT, themes)
    assert read.theme_ids == [2, 1] and read.body == TEXT and not read.unknown
    read = themes_read(TEXT + "\n\nThemes: amateurs et professionnels; pouvoir", themes)
    assert read.theme_ids == [5] and read.unknown == ["pouvoir"] and read.body == TEXT
    # A line in the middle is text, and a text without the line has no theme.
    middle = "Un début.\nThèmes : non-dits\nUne fin."
    assert themes_read(middle, themes).named is False
    assert themes_read(TEXT, themes).theme_ids == []


def test_a_testimony_by_mail_takes_the_themes_it_names_and_the_synthesis_groups_it(gateway):
    scene = Scene()
    text = "Thèmes : non-dits, identité collective\n\n" + TEXT
    stored = gateway.send(
        mail("Le bureau épuisé", to=scene.address, text=text),
        mail_from=HELENE,
        rcpt_tos=[scene.address],
    ).message()
    assert stored.status == InboundStatus.NEW_THREAD, stored.trail
    testimony = records.Testimony.objects.get()
    assert sorted(t.name for t in testimony.themes.all()) == ["identité collective", "non-dits"]
    assert "Thèmes :" not in testimony.body and testimony.body.startswith("Dans notre SCOP")
    groups = {
        g.theme: [c.title for c in g.testimonies]
        for g in testimony_reads.testimonies_by_theme(scene.session)
    }
    assert groups["non-dits"] == ["Le bureau épuisé"]
    assert groups["identité collective"] == ["Le bureau épuisé"]


def test_an_unknown_theme_refuses_the_testimony_with_the_list_of_themes(gateway):
    scene = Scene()
    text = TEXT + "\n\nThèmes : non-dits, pouvoir"
    refused = gateway.send(
        mail("Le bureau épuisé", to=scene.address, text=text),
        mail_from=HELENE,
        rcpt_tos=[scene.address],
    ).message()
    assert refused.status == InboundStatus.REJECTED
    assert refused.reason == Reason.TESTIMONY_UNKNOWN_THEME.value
    assert not records.Testimony.objects.exists()
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE, address__iexact=HELENE)
    assert "ne propose pas" in notice.payload["text"]
    assert "désimplication, non-dits, identité collective" in notice.payload["text"]
