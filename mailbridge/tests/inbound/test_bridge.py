"""A bridge to a network's own list, over real SMTP: mail as Mailman 2, Mailman 3,
Sympa, Google Groups and Groups.io deliver it becomes posts in the network's board,
by its real author (a guest when they have no account), without the list's tag and
footer; threaded, orphans re-attached, copies made one; the list's own mail kept
for the référents; another list's mail refused; never a notice to a list."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from forum import services
from forum.models import Follow, FollowLevel, GuestAuthor, Post, Thread
from forum.tests.reading import page_text
from forum.tests.test_registration_flow import confirm_from_mail, sign_up
from mailbridge.models import Bounce, Delivery, InboundMessage, InboundStatus, ListAdminMessage
from mailbridge.smtp.ratelimit import SenderLimiter, rate
from mailbridge.tests.inbound.bridge_support import (
    BRIDGE,
    MAILMAN,
    NETWORK_LIST,
    bridged_network,
    list_mail,
)
from mailbridge.tests.inbound.factories import member
from mailbridge.tests.inbound.support import RunningGateway, fixture

LIST_SENDER = "accorderies-bounces@lists.accorderies.example"

# fixture, list address, author's address, name, title, words kept, footer words
DELIVERED = [
    (
        "mailman2_munged.eml",
        MAILMAN,
        "marie.lenoir@exemple.org",
        "Marie Lenoir",
        "Nos outils de comptabilité",
        "un tableur partagé",
        "listinfo",
    ),
    (
        "mailman3_munged_cc.eml",
        MAILMAN,
        "helene.martin@exemple.fr",
        "Hélène Martin",
        "Rencontre des accorderies en septembre",
        "le 15 septembre à Lyon",
        "accorderies-leave",
    ),
    (
        "sympa_x_original_from.eml",
        "accorderies@listes.accorderies.example",
        "jeanne.roux@exemple.coop",
        "Jeanne Roux",
        "Modèles de statuts",
        "coopérative d'activités",
        "sympa/signoff",
    ),
    (
        "google_groups.eml",
        "accorderies@googlegroups.com",
        "marc.petit@exemple.org",
        "Marc Petit",
        "Assurance des accordeurs",
        "couvrir les accordeurs",
        "Google Groupes",
    ),
    (
        "groups_io.eml",
        "main@accorderies.groups.io",
        "lucie.bernard@exemple.be",
        "Lucie Bernard",
        "Traduction du guide en néerlandais",
        "guide de l'accordeur en néerlandais",
        "Groups.io Links",
    ),
]


@pytest.mark.parametrize(
    "name, list_address, address, author, title, words, footer",
    DELIVERED,
    ids=[row[0].removesuffix(".eml") for row in DELIVERED],
)
def test_each_list_softwares_mail_becomes_a_post_by_its_real_author(
    gateway, name, list_address, address, author, title, words, footer
):
    _bridge, board, _referent = bridged_network(list_address)
    stored = gateway.send(list_mail(name), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]).message()
    assert (stored.status, stored.reason) == (InboundStatus.NEW_THREAD, "new_thread"), stored.trail
    post = stored.post
    assert post.thread.board == board and post.thread.title == title
    assert words in post.body_markdown
    assert footer not in post.body_markdown and "[" not in post.thread.title
    assert footer in stored.original_text  # the whole message stays available
    assert post.author.profile.is_guest and post.author.profile.display_name == author
    assert GuestAuthor.objects.get(account=post.author).address == address
    assert not mail.outbox and not Delivery.objects.exists()  # nobody mailed, no notice


def test_a_members_address_is_credited_to_the_member(gateway):
    _bridge, board, _referent = bridged_network()
    paul = member(board, "paul.durand@coop.example", name="Paul Durand", level=None)
    stored = gateway.send(
        list_mail("mailman2_reply.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    assert stored.post.author == paul and not GuestAuthor.objects.exists()


def test_a_reply_joins_its_thread_without_the_quoted_history(gateway):
    bridged_network()
    first = gateway.send(list_mail("mailman2_munged.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
    reply = gateway.send(list_mail("mailman2_reply.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
    root, answer = first.message().post, reply.message().post
    assert answer.thread == root.thread and answer.in_reply_to == root and answer.number == 2
    assert "logiciel libre de comptabilité" in answer.body_markdown
    assert "tableur" not in answer.body_markdown  # quoted history trimmed
    assert "tableur" in reply.message().original_text


def test_an_orphan_joins_its_parents_thread_when_the_parent_arrives(gateway):
    bridged_network()
    orphan = gateway.send(list_mail("mailman2_reply.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
    orphan_thread = orphan.message().post.thread_id
    assert Thread.objects.count() == 1  # a thread of its own while it waits
    parent = gateway.send(
        list_mail("mailman2_munged.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    )
    root = parent.message().post
    reply = Post.objects.get(pk=orphan.message().post_id)
    assert reply.thread == root.thread and reply.in_reply_to == root
    assert [p.number for p in root.thread.posts.order_by("number")] == [1, 2]
    assert not Thread.objects.filter(pk=orphan_thread).exists()
    assert Thread.objects.get().post_count == 2


def _members_own_copy() -> bytes:
    """Paul's reply as he sent it himself to the network's list on Intercoop (Cc),
    with the Message-ID of the copy that reaches us through his own list too."""
    return fixture("new_thread_gmail_fr.eml").replace(
        b"session@lists.intercoop.test", NETWORK_LIST.encode()
    )


def test_a_message_arriving_through_the_bridge_and_from_its_author_appears_once(gateway):
    _bridge, board, _referent = bridged_network()
    member(board, "claire.bernard.coop@gmail.com", name="Claire Bernard", level=None)
    own = _members_own_copy()
    message_id = next(
        line.split(b":", 1)[1].strip()
        for line in own.splitlines()
        if line.lower().startswith(b"message-id:")
    )
    bridged = list_mail("mailman2_munged.eml").replace(
        b"<20070703081230.GA4211@exemple.org>", message_id
    )
    first = gateway.send(own, mail_from="claire.bernard.coop@gmail.com", rcpt_tos=[NETWORK_LIST])
    second = gateway.send(bridged, mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
    assert first.message().status == InboundStatus.NEW_THREAD
    assert second.message().status == InboundStatus.DUPLICATE
    assert Post.objects.count() == 1


def test_the_same_list_message_twice_makes_one_post(gateway):
    bridged_network()
    for _ in range(2):
        gateway.send(list_mail("mailman2_munged.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
    assert Post.objects.count() == 1


def test_another_lists_mail_at_the_bridge_is_refused_silently(gateway):
    bridged_network()
    stored = gateway.send(list_mail("other_list.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
    row = stored.message()
    assert (row.status, row.reason) == (InboundStatus.REJECTED, "bridge_wrong_list")
    assert not Post.objects.exists() and not Delivery.objects.exists() and not mail.outbox


def test_a_bridge_address_no_referent_registered_is_refused_at_rcpt(gateway):
    conversation = gateway.send(
        list_mail("mailman2_munged.eml"),
        mail_from=LIST_SENDER,
        rcpt_tos=["bridge+inconnu@lists.intercoop.test"],
    )
    assert conversation.rcpt["bridge+inconnu@lists.intercoop.test"][0] == 550


def test_the_lists_subscription_confirmation_is_kept_for_the_referents(gateway):
    bridge, _board, _referent = bridged_network()
    stored = gateway.send(
        list_mail("mailman3_confirm.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.LIST_ADMIN, "list_admin_message")
    kept = ListAdminMessage.objects.get()
    assert kept.bridge == bridge and "confirm 6b1f0c9d2e8a4f7b" in kept.text
    assert kept.handled_at is None  # never acted upon by us
    assert not Post.objects.exists() and not mail.outbox


def test_a_delivery_report_at_the_bridge_is_never_scored_as_a_bounce(gateway):
    bridged_network()
    report = fixture("dsn_postfix_user_unknown.eml")
    stored = gateway.send(report, mail_from="", rcpt_tos=[BRIDGE]).message()
    assert stored.status == InboundStatus.REJECTED and stored.reason == "bridge_wrong_list"
    assert not Bounce.objects.exists() and not mail.outbox


def test_a_guest_is_never_mailed_even_following_the_board(gateway):
    _bridge, board, _referent = bridged_network()
    stored = gateway.send(
        list_mail("mailman2_munged.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    guest = stored.post.author
    Follow.objects.create(user=guest, board=board, level=FollowLevel.EMAIL)
    helene = member(board, "helene@exemple.coop", name="Hélène")
    paul = member(board, "paul@exemple.coop", name="Paul")
    services.post_add(
        draft=services.PostDraft(thread=stored.post.thread, author=paul, body="Merci Marie !")
    )
    assert Delivery.objects.filter(recipient=helene).exists()
    assert not Delivery.objects.filter(recipient=guest).exists()


def test_rate_limits_count_per_bridge_not_per_list_sender(transactional_db, eager_celery):
    limiter = SenderLimiter(
        per_sender=rate("1/hour"), per_peer=rate("1/hour"), per_bridge=rate("2/hour")
    )
    running = RunningGateway(limiter=limiter)
    try:
        bridged_network()
        answers = []
        for number in range(3):
            data = list_mail("mailman2_munged.eml").replace(b"GA4211@", f"GA{number}@".encode())
            conversation = running.send(data, mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
            answers.append(conversation.rcpt[BRIDGE][0])
    finally:
        running.close()
    assert answers == [250, 250, 452]  # one sender, one client: the bridge's window
    assert Post.objects.count() == 2


def test_a_guest_who_signs_up_with_that_address_gets_their_bridged_posts(
    gateway, client, settings, tmp_path
):
    settings.EMAIL_BACKEND = "config.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    bridged_network()
    stored = gateway.send(
        list_mail("mailman2_munged.eml"), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]
    ).message()
    sign_up(client, email="marie.lenoir@exemple.org", display_name="Marie Lenoir")
    confirm_from_mail(client, tmp_path)
    marie = get_user_model().objects.get(email="marie.lenoir@exemple.org")
    post = Post.objects.get(pk=stored.post_id)
    assert post.author == marie and post.thread.author == marie
    assert not GuestAuthor.objects.exists()
    page = page_text(client.get(post.thread.get_absolute_url()))
    assert "Marie Lenoir" in page and "invité·e" not in page


def _with_results(data: bytes, results: str) -> bytes:
    """The message as our MTA hands it over: its verdicts on top."""
    return f"Authentication-Results: mx.intercoop.test; {results}\r\n".encode() + data


def test_list_mail_the_lists_domain_vouches_for_is_posted_though_its_authors_dmarc_fails(
    gateway, settings
):
    settings.INTERCOOP_TRUSTED_AUTHSERV_IDS = ["mx.intercoop.test"]
    bridged_network()
    data = _with_results(
        list_mail("mailman2_reply.eml"),
        "dmarc=fail header.from=coop.example; "
        "dkim=pass header.d=lists.accorderies.example; "
        "spf=pass smtp.mailfrom=accorderies-bounces@lists.accorderies.example",
    )
    stored = gateway.send(data, mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]).message()
    assert stored.status == InboundStatus.NEW_THREAD, stored.trail


def test_list_mail_its_domain_does_not_vouch_for_is_held_without_a_notice(gateway, settings):
    settings.INTERCOOP_TRUSTED_AUTHSERV_IDS = ["mx.intercoop.test"]
    bridged_network()
    data = _with_results(
        list_mail("mailman2_munged.eml"),
        "dkim=fail header.d=lists.accorderies.example; "
        "spf=fail smtp.mailfrom=accorderies-bounces@lists.accorderies.example",
    )
    stored = gateway.send(data, mail_from=LIST_SENDER, rcpt_tos=[BRIDGE]).message()
    assert (stored.status, stored.reason) == (InboundStatus.HELD, "authentication_failed")
    assert not Post.objects.exists() and not mail.outbox and not Delivery.objects.exists()


def test_a_chunk_of_list_mail_under_load_threads_as_one_by_one(transactional_db):
    """Stored together (the gateway under load hands a worker up to 16 at once):
    the reply first, the message it answers next, both in one chunk."""
    from mailbridge.inbound.processing import inbound_process_many
    from mailbridge.tests.inbound.support import store_by_hand

    bridged_network()
    rows = [
        store_by_hand(list_mail(name), mail_from=LIST_SENDER, rcpt_tos=[BRIDGE])
        for name in ("mailman2_reply.eml", "mailman2_munged.eml", "mailman3_munged_cc.eml")
    ]
    inbound_process_many([row.pk for row in rows])
    reply, root, other = (InboundMessage.objects.get(pk=row.pk).post for row in rows)
    assert reply.thread == root.thread and reply.in_reply_to == root
    assert other.thread != root.thread
    assert Thread.objects.count() == 2
