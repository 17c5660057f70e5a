"""The daily digest: who gets it, what is in it, when nothing is sent, and the
message as a mail client receives it (through a real SMTP server)."""

from __future__ import annotations

import email.parser
import email.policy
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from forum.models import Follow, FollowLevel, Post, RegistrationStatus
from forum.services import PostDraft, post_add, post_hide, thread_create
from mailbridge.digests import digests_write
from mailbridge.models import Delivery, DeliveryKind, DeliveryStatus, MailboxHealth
from mailbridge.outbound.payload_message import build_payload_message
from mailbridge.outbound.sender import outbox_send_due
from mailbridge.tests.listmail_support import (  # noqa: F401
    DOMAIN,
    SITE,
    html_of,
    list_mail_settings,
    parse,
    received,
    text_of,
)
from mailbridge.tests.outbound.factories import follow_thread, make_board, make_member
from mailbridge.tests.sink import SmtpSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return make_board(title="Coopératives et territoires", slug="territoires")


@pytest.fixture
def author(board):
    return make_member(board, level=FollowLevel.WEB, display_name="Hélène Dupré")


def followers_since_long_ago():
    # A follow made now would start the first digest now; these chose weeks ago.
    Follow.objects.update(updated_at=timezone.now() - timedelta(days=20))


def at(post_or_thread, when):
    post = post_or_thread if isinstance(post_or_thread, Post) else post_or_thread.posts.get()
    Post.objects.filter(pk=post.pk).update(created_at=when)
    return post


def digests(kind=DeliveryKind.DIGEST):
    return list(Delivery.objects.filter(kind=kind).order_by("pk"))


def write(now=None):
    return digests_write(now=now or timezone.now())


def test_only_people_who_chose_the_digest_receive_it(board, author):
    by_digest = make_member(board, level=FollowLevel.DIGEST)
    for level in (FollowLevel.EMAIL, FollowLevel.WEB, FollowLevel.MUTED):
        make_member(board, level=level)
    followers_since_long_ago()
    thread = thread_create(board=board, author=author, title="Les statuts", body="Bonjour")
    at(thread, timezone.now() - timedelta(hours=3))
    assert write() == 1
    (digest,) = digests()
    assert (digest.recipient, digest.address, digest.status) == (
        by_digest,
        by_digest.email,
        DeliveryStatus.PENDING,
    )
    assert digest.key == f"digest:territoires:{timezone.localdate().isoformat()}"


def test_the_digest_gathers_the_new_posts_by_thread(board, author):
    make_member(board, level=FollowLevel.DIGEST)
    followers_since_long_ago()
    earlier = timezone.now() - timedelta(hours=5)
    first = thread_create(
        board=board, author=author, title="Les statuts types", body="Voici **nos** statuts."
    )
    at(first, earlier)
    reply = at(
        post_add(draft=PostDraft(thread=first, author=author, body="Et la charte.")), earlier
    )
    second = thread_create(board=board, author=author, title="Le budget", body="À voter.")
    at(second, earlier + timedelta(hours=1))
    write()
    (digest,) = digests()
    assert digest.payload["post_ids"] == [first.posts.first().pk, reply.pk, second.posts.get().pk]
    message = received(digest)
    assert message["Subject"].startswith("[territoires] Résumé du ")
    assert message["Subject"].endswith(": 3 nouveaux messages")
    text = text_of(message)
    assert "Résumé quotidien du forum « Coopératives et territoires »" in text
    assert "== Les statuts types ==" in text
    assert "Voici **nos** statuts." in text
    assert "Hélène Dupré" in text
    assert text.index("Les statuts types") < text.index("Et la charte.") < text.index("Le budget")
    assert f"{SITE}/fils/{first.pk}/" in text
    html = html_of(message)
    assert "<strong>nos</strong>" in html
    assert f'href="{SITE}/fils/{second.pk}/"' in html


def test_nothing_is_sent_when_nothing_is_new(board, author):
    make_member(board, level=FollowLevel.DIGEST)
    followers_since_long_ago()
    assert write() == 0
    assert digests() == []


def test_a_post_written_in_the_last_minute_waits_for_the_next_digest(board, author):
    make_member(board, level=FollowLevel.DIGEST)
    followers_since_long_ago()
    thread_create(board=board, author=author, title="Tout juste", body="Écrit à l'instant")
    assert write() == 0
    assert write(timezone.now() + timedelta(days=1)) == 1


def test_the_digest_is_written_once_a_day_and_the_next_one_has_only_what_is_new(board, author):
    make_member(board, level=FollowLevel.DIGEST)
    followers_since_long_ago()
    now = timezone.now()
    old = thread_create(board=board, author=author, title="Hier", body="Premier")
    at(old, now - timedelta(hours=3))
    assert write(now) == 1
    assert write(now + timedelta(minutes=30)) == 0  # the same day: never twice
    assert write(now + timedelta(days=1)) == 0  # nothing new since
    new = thread_create(board=board, author=author, title="Aujourd'hui", body="Second")
    at(new, now + timedelta(days=1, hours=1))
    assert write(now + timedelta(days=2)) == 1
    first, second = digests()
    assert second.payload["post_ids"] == [new.posts.get().pk]
    assert second.payload["period_start"] == first.payload["period_end"]
    assert "Premier" not in text_of(received(second))


def test_hidden_posts_are_left_out(board, author):
    make_member(board, level=FollowLevel.DIGEST)
    moderator = make_member(board, level=FollowLevel.WEB, is_superuser=True)
    followers_since_long_ago()
    thread = thread_create(board=board, author=author, title="Un fil", body="Visible")
    spam = post_add(draft=PostDraft(thread=thread, author=author, body="Publicité cachée"))
    post_hide(post=spam, moderator=moderator, reason="publicité")
    for post in thread.posts.all():
        at(post, timezone.now() - timedelta(hours=2))
    write()
    (digest,) = digests()
    assert "Publicité cachée" not in text_of(received(digest))
    assert spam.pk not in digest.payload["post_ids"]


def test_a_private_board_reaches_only_people_who_may_still_see_it(author):
    private = make_board(title="Réunion du bureau", private=True)
    registered = make_member(private, level=FollowLevel.DIGEST)
    cancelled = make_member(private, level=FollowLevel.DIGEST)
    cancelled.registrations.update(status=RegistrationStatus.CANCELLED)
    writer = make_member(private, level=FollowLevel.WEB)
    followers_since_long_ago()
    at(
        thread_create(board=private, author=writer, title="Ordre du jour", body="Points"),
        timezone.now() - timedelta(hours=2),
    )
    write()
    assert [digest.recipient for digest in digests()] == [registered]


def test_people_whose_mail_is_suspended_get_no_digest(board, author):
    suspended = make_member(board, level=FollowLevel.DIGEST)
    MailboxHealth.objects.create(user=suspended, bounce_score=6, suspended_at=timezone.now())
    followers_since_long_ago()
    at(
        thread_create(board=board, author=author, title="Un fil", body="Texte"),
        timezone.now() - timedelta(hours=2),
    )
    assert write() == 0


def test_a_thread_choice_overrides_the_board_choice(board, author):
    board_digest = make_member(board, level=FollowLevel.DIGEST)
    thread_digest = make_member(board, level=FollowLevel.WEB)
    muted_thread = thread_create(board=board, author=author, title="Sans intérêt", body="Bof")
    kept = thread_create(board=board, author=author, title="Passionnant", body="Oui !")
    follow_thread(board_digest, muted_thread, FollowLevel.MUTED)
    follow_thread(thread_digest, kept, FollowLevel.DIGEST)
    followers_since_long_ago()
    for thread in (muted_thread, kept):
        at(thread, timezone.now() - timedelta(hours=2))
    write()
    by_person = {digest.recipient: digest for digest in digests()}
    assert set(by_person) == {board_digest, thread_digest}
    for digest in by_person.values():
        assert digest.payload["post_ids"] == [kept.posts.get().pk]
        assert "Sans intérêt" not in text_of(received(digest))


def test_a_first_digest_starts_when_the_person_chose_it(board, author):
    at(
        thread_create(board=board, author=author, title="Avant", body="Ancien"),
        timezone.now() - timedelta(days=3),
    )
    newcomer = make_member(board, level=FollowLevel.DIGEST)
    Follow.objects.filter(user=newcomer).update(updated_at=timezone.now() - timedelta(days=1))
    at(
        thread_create(board=board, author=author, title="Après", body="Récent"),
        timezone.now() - timedelta(hours=2),
    )
    write()
    (digest,) = digests()
    assert "Ancien" not in text_of(received(digest))
    assert "Récent" in text_of(received(digest))


def test_the_digest_speaks_the_language_of_its_reader(board, author):
    french = make_member(board, level=FollowLevel.DIGEST)
    english = make_member(board, level=FollowLevel.DIGEST, language="en")
    followers_since_long_ago()
    at(
        thread_create(board=board, author=author, title="Un fil", body="Texte"),
        timezone.now() - timedelta(hours=2),
    )
    write()
    by_person = {digest.recipient: digest for digest in digests()}
    assert by_person[french].payload["language"] == "fr"
    assert by_person[english].payload["language"] == "en"
    day = timezone.localdate()
    months_fr = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    assert (
        f"{day.day} {months_fr[day.month - 1]} {day.year}" in by_person[french].payload["subject"]
    )
    english_months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    assert (
        f"{day.day} {english_months[day.month - 1]} {day.year}"
        in by_person[english].payload["subject"]
    )
    assert 'lang="en"' in by_person[english].payload["html"]
    assert 'lang="fr"' in by_person[french].payload["html"]


def test_the_digest_carries_list_headers(board, author):
    reader = make_member(board, level=FollowLevel.DIGEST, display_name="Cécile Ébrard")
    followers_since_long_ago()
    at(
        thread_create(board=board, author=author, title="Un fil", body="Texte"),
        timezone.now() - timedelta(hours=2),
    )
    write()
    (digest,) = digests()
    message = received(digest)
    assert message["From"].addresses[0].addr_spec == f"territoires@{DOMAIN}"
    assert message["From"].addresses[0].display_name == "Intercoop"
    assert message["To"].addresses[0].display_name == "Cécile Ébrard"
    assert message["To"].addresses[0].addr_spec == reader.email
    assert message["Message-ID"] == f"<digest-{digest.pk}@{DOMAIN}>"
    assert f"<territoires.{DOMAIN}>" in message["List-Id"]
    assert "Coopératives et territoires" in message["List-Id"]
    assert message["List-Post"] == f"<mailto:territoires@{DOMAIN}>"
    assert message["List-Archive"] == f"<{SITE}/forums/territoires/>"
    https, mailto = [part.strip() for part in message["List-Unsubscribe"].split(",")]
    assert https.startswith(f"<{SITE}/desabonnement/")
    assert mailto == f"<mailto:territoires+unsubscribe@{DOMAIN}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Precedence"] == "list"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert https.strip("<>") in text_of(message)  # the footer's link too


def test_the_beat_schedule_runs_the_digests_daily_at_the_configured_hour():
    from config.celery import app

    entry = app.conf.beat_schedule["mailbridge.send_daily_digests"]
    assert entry["task"] == "mailbridge.send_daily_digests"
    assert entry["schedule"].hour == {7}
    assert entry["schedule"].minute == {0}
    assert app.conf.timezone == "Europe/Paris"


def test_the_task_wakes_the_sender_once_the_rows_are_committed(
    board, author, django_capture_on_commit_callbacks, monkeypatch
):
    from mailbridge import listmail
    from mailbridge.digest_tasks import send_daily_digests

    woken = []
    monkeypatch.setattr(listmail, "outbox_wake", lambda deliveries=0: woken.append(deliveries))
    make_member(board, level=FollowLevel.DIGEST)
    followers_since_long_ago()
    at(
        thread_create(board=board, author=author, title="Un fil", body="Texte"),
        timezone.now() - timedelta(hours=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 1
        assert woken == []
    assert woken == [1]


def test_a_digest_reaches_a_real_smtp_server_and_its_one_click_link_works(board, author, settings):
    reader = make_member(board, level=FollowLevel.DIGEST)
    followers_since_long_ago()
    at(
        thread_create(board=board, author=author, title="Coopérer", body="Ça marche ?"),
        timezone.now() - timedelta(hours=2),
    )
    write()
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        report = outbox_send_due()
        assert sink.wait_for(1)
    assert report.sent == 1
    (mail,) = sink.received
    assert mail.recipients == (reader.email,)
    assert mail.mail_from.startswith("bounces+")
    message = parse(mail.data)
    assert "Ça marche ?" in text_of(message)
    url = message["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix(SITE),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Follow.objects.get(user=reader, board=board).level == FollowLevel.WEB
    assert Delivery.objects.get(kind=DeliveryKind.DIGEST).status == DeliveryStatus.SENT


def test_an_address_with_accents_in_its_local_part_is_written_raw_in_utf8(board, author):
    reader = make_member(board, level=FollowLevel.DIGEST, display_name="Zoé Ça")
    reader.emailaddress_set.update(email="zoé@exemple.org")
    followers_since_long_ago()
    at(
        thread_create(board=board, author=author, title="Un fil", body="Texte"),
        timezone.now() - timedelta(hours=2),
    )
    write()
    (digest,) = digests()
    assert digest.address == "zoé@exemple.org"
    # As an SMTPUTF8 client reads it (RFC 6532): headers in UTF-8.
    raw = build_payload_message(digest)
    message = email.parser.Parser(policy=email.policy.default).parsestr(raw.decode("utf-8"))
    assert message["To"].addresses[0].display_name == "Zoé Ça"
    assert message["To"].addresses[0].addr_spec == "zoé@exemple.org"
