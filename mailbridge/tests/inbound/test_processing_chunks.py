"""A chunk of stored messages processed together: every reply lands where it would
alone, one broken message takes no other down, and the live pushes of the chunk
arrive numbered in the order of the posts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.models import Post
from mailbridge.inbound.processing import inbound_process, inbound_process_many
from mailbridge.inbound.tasks import process_inbound_many
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.tests.inbound.factories import CLAIRE, HELENE, Scene, first_post, member, reply_to
from mailbridge.tests.inbound.support import (
    answering_another_thread,
    step_replaced,
    store_by_hand,
)
from realtime.fragments import event_html
from realtime.groups import thread_group
from realtime.models import LiveEvent
from realtime.store import as_message

pytestmark = pytest.mark.django_db(transaction=True)


def _reply(number: int, sender: str, to: str) -> bytes:
    return (
        f"From: <{sender}>\r\nTo: <{to}>\r\nSubject: Re: [session] Qui vient ?\r\n"
        f"Message-ID: <chunk-{number}@exemple.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Réponse numéro {number} : je viens avec un témoignage.\r\n\r\n"
        "Le 3 juillet 2007 à 10:00, Paul Durand a écrit :\r\n> Qui vient ?\r\n"
    ).encode()


@pytest.fixture
def scene():
    scene = Scene()
    scene.claire = member(scene.board, CLAIRE, name="Claire Bernard")
    scene.other_post = first_post(scene.board, scene.paul, title="Qui apporte les photos ?")
    return scene


def _store_replies(scene, count: int) -> list[InboundMessage]:
    """`count` replies, alternately by Hélène to the first thread and by Claire to the
    second, each to the reply address of the list mail she got."""
    rows = []
    for number in range(count):
        person, email, post = (
            (scene.helene, HELENE, scene.post)
            if number % 2 == 0
            else (scene.claire, CLAIRE, scene.other_post)
        )
        to = reply_to(post, person)
        rows.append(store_by_hand(_reply(number, email, to), mail_from=email, rcpt_tos=[to]))
    return rows


def test_a_chunk_posts_every_reply_in_its_thread_in_order(scene):
    rows = _store_replies(scene, 6)
    statuses, failed = inbound_process_many([row.pk for row in rows])
    assert failed == []
    assert statuses == {row.pk: InboundStatus.POSTED for row in rows}
    for post, author, numbers in (
        (scene.post, scene.helene, [0, 2, 4]),
        (scene.other_post, scene.claire, [1, 3, 5]),
    ):
        replies = list(post.thread.posts.filter(number__gt=1).order_by("number"))
        assert [p.body_text for p in replies] == [
            f"Réponse numéro {n} : je viens avec un témoignage." for n in numbers
        ]
        assert {p.author_id for p in replies} == {author.pk}
        assert {p.in_reply_to_id for p in replies} == {post.pk}
    # Processed once: a second chunk or a single task finds nothing left to do.
    assert inbound_process_many([row.pk for row in rows]) == ({}, [])
    assert inbound_process(inbound_id=rows[0].pk) is None


def test_the_live_pushes_of_a_chunk_are_numbered_in_the_order_of_the_posts(scene):
    before = LiveEvent.objects.filter(group=thread_group(scene.thread.pk)).count()
    inbound_process_many([row.pk for row in _store_replies(scene, 6)])
    events = list(
        LiveEvent.objects.filter(group=thread_group(scene.thread.pk), kind="thread.post")
        .order_by("seq")
        .values_list("seq", "payload")
    )[before:]
    numbers = [payload["data"]["post_number"] for _seq, payload in events]
    seqs = [seq for seq, _payload in events]
    assert numbers == [2, 3, 4]
    assert seqs == list(range(seqs[0], seqs[0] + 3))


def test_a_fragment_from_a_chunk_is_what_the_thread_page_shows(scene):
    inbound_process_many([row.pk for row in _store_replies(scene, 2)])
    post = Post.objects.get(thread=scene.thread, number=2)
    # What a French reader of the thread is sent: stored at commit when one was
    # reading then, rendered when sent otherwise (realtime.fragments.event_html).
    event = LiveEvent.objects.filter(
        group=thread_group(scene.thread.pk), subject=f"post:{post.pk}"
    ).get()
    fragment = event_html(as_message(event), "fr")
    reader = Client()
    reader.force_login(scene.paul)
    reader.get(scene.thread.get_absolute_url())  # read once: nothing is "new" the second time
    page = reader.get(scene.thread.get_absolute_url()).content.decode()
    element = re.search(rf'<li\b[^>]*\bid="post-{post.pk}".*?</li>', page, re.S).group(0)
    assert "source : courriel" in fragment and "en réponse à Paul Durand" in fragment
    # The one difference by design: a live fragment cannot know whether the answered
    # post is on the reader's page, so it links to it through the thread's address.
    answered = f"{scene.thread.get_absolute_url()}?post={scene.post.pk}#post-{scene.post.pk}"
    assert answered in fragment
    assert fragment.replace(answered, f"#post-{scene.post.pk}") == element


def test_one_broken_message_takes_no_other_down(scene, monkeypatch):
    rows = _store_replies(scene, 4)
    broken_id = rows[1].pk

    def extract_or_break(ctx):
        if ctx.inbound_id == broken_id:
            raise RuntimeError("the database went away for this one")
        return original(ctx)

    original = step_replaced(monkeypatch, "extract", extract_or_break)
    statuses, failed = inbound_process_many([row.pk for row in rows])
    assert failed == [broken_id]
    assert statuses == {row.pk: InboundStatus.POSTED for row in rows if row.pk != broken_id}
    broken = InboundMessage.objects.get(pk=broken_id)
    assert (broken.status, broken.attempts) == (InboundStatus.RECEIVED, 1)
    monkeypatch.undo()
    assert inbound_process(inbound_id=broken_id) == InboundStatus.POSTED


def test_a_refusal_no_message_can_meet_fails_its_message_alone_in_a_chunk(scene, monkeypatch):
    rows = _store_replies(scene, 4)
    misplaced_id = rows[2].pk
    answering_another_thread(monkeypatch, scene, inbound_ids={misplaced_id})
    statuses, failed = inbound_process_many([row.pk for row in rows])
    assert failed == [misplaced_id]
    assert statuses == {row.pk: InboundStatus.POSTED for row in rows if row.pk != misplaced_id}
    misplaced = InboundMessage.objects.get(pk=misplaced_id)
    assert (misplaced.status, misplaced.reason) == (InboundStatus.RECEIVED, "processing_error")
    assert misplaced.post is None


def test_a_message_another_worker_holds_is_left_to_it(scene):
    rows = _store_replies(scene, 3)
    InboundMessage.objects.filter(pk=rows[0].pk).update(
        status=InboundStatus.PROCESSING,
        claimed_by="elsewhere:7:1",
        lease_until=timezone.now() + timedelta(seconds=30),
    )
    statuses, failed = inbound_process_many([row.pk for row in rows])
    assert set(statuses) == {rows[1].pk, rows[2].pk} and failed == []
    assert InboundMessage.objects.get(pk=rows[0].pk).status == InboundStatus.PROCESSING


def test_a_chunk_that_cannot_start_hands_each_message_a_task_of_its_own(scene, monkeypatch):
    from mailbridge.inbound import tasks

    rows = _store_replies(scene, 3)
    sent = []

    def unavailable(ids):
        raise RuntimeError("the database is restarting")

    monkeypatch.setattr(tasks, "inbound_process_many", unavailable)
    monkeypatch.setattr(
        tasks.process_inbound, "apply_async", lambda args, **options: sent.append(args[0])
    )
    assert process_inbound_many([row.pk for row in rows]) == 0
    assert sent == [row.pk for row in rows]
    assert {row.status for row in InboundMessage.objects.all()} == {InboundStatus.RECEIVED}


def test_a_chunk_reads_what_its_reply_addresses_name_once(scene):
    one = _store_replies(scene, 1)
    with CaptureQueriesContext(connection) as alone:
        inbound_process_many([one[0].pk])
    InboundMessage.objects.all().delete()
    rows = _store_replies(scene, 8)
    with CaptureQueriesContext(connection) as chunk:
        inbound_process_many([row.pk for row in rows])

    def lookups(captured):
        return sum(
            1
            for query in captured.captured_queries
            if query["sql"].startswith('SELECT "account_emailaddress"."id"')
            or (
                query["sql"].startswith('SELECT "forum_post"."id"')
                and 'INNER JOIN "forum_board"' in query["sql"]
            )
        )

    # The posts answered and the senders' addresses: read once for 8 as for 1.
    assert lookups(chunk) == lookups(alone)
    assert len(chunk) < 8 * len(alone)


def test_a_chunk_asks_the_senders_roles_once_and_still_refuses_a_cancelled_one(scene):
    from forum.models import Registration, RegistrationStatus

    one = _store_replies(scene, 1)
    with CaptureQueriesContext(connection) as alone:
        inbound_process_many([one[0].pk])
    Registration.objects.filter(user=scene.claire).update(status=RegistrationStatus.CANCELLED)
    rows = _store_replies(scene, 8)[1:]
    with CaptureQueriesContext(connection) as chunk:
        inbound_process_many([row.pk for row in rows])

    def role_queries(captured):
        return [q for q in captured.captured_queries if 'FROM "forum_registration"' in q["sql"]]

    assert len(role_queries(chunk)) == len(role_queries(alone)) == 1
    statuses = {
        row.pk: (row.status, row.reason)
        for row in InboundMessage.objects.filter(pk__in=[row.pk for row in rows])
    }
    for number, row in enumerate(rows, start=1):
        if number % 2 == 0:  # Hélène's
            assert statuses[row.pk][0] == InboundStatus.POSTED
        else:  # Claire's: no longer registered
            assert statuses[row.pk] == (InboundStatus.REJECTED, "not_allowed")


def test_copies_of_a_message_in_a_chunk_or_before_it_make_one_post(scene):
    first = _store_replies(scene, 1)[0]
    assert inbound_process(inbound_id=first.pk) == InboundStatus.POSTED
    copies = [
        store_by_hand(first.raw, mail_from=HELENE, rcpt_tos=first.rcpt_tos),  # sent again
        *_store_replies(scene, 3)[1:],  # numbers 1 and 2: new messages
    ]
    again = bytes(copies[2].raw)
    copies.append(store_by_hand(again, mail_from=HELENE, rcpt_tos=copies[2].rcpt_tos))
    statuses, failed = inbound_process_many([row.pk for row in copies])
    assert failed == []
    assert [statuses[row.pk] for row in copies] == [
        InboundStatus.DUPLICATE,
        InboundStatus.POSTED,
        InboundStatus.POSTED,
        InboundStatus.DUPLICATE,
    ]
    resent = InboundMessage.objects.get(pk=copies[0].pk)
    made = InboundMessage.objects.get(pk=first.pk).post_id
    assert f"already made post {made} (message {first.pk})" in resent.trail[-1]["detail"]
    assert Post.objects.filter(body_text__startswith="Réponse numéro 2 ").count() == 1


def test_a_chunk_writes_its_replies_together_and_a_locked_thread_refuses_its_own(scene):
    from forum.models import Thread

    Thread.objects.filter(pk=scene.other_post.thread_id).update(is_locked=True)
    rows = _store_replies(scene, 6)
    with CaptureQueriesContext(connection) as queries:
        statuses, failed = inbound_process_many([row.pk for row in rows])
    assert failed == []
    for number, row in enumerate(rows):
        stored = InboundMessage.objects.get(pk=row.pk)
        if number % 2 == 0:  # Hélène's, in the open thread
            assert (statuses[row.pk], stored.post.number) == (InboundStatus.POSTED, number // 2 + 2)
            assert stored.trail[-1]["step"] == "create_post"
        else:  # Claire's, in the locked one
            assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "thread_locked")
    post_inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "forum_post"')]
    assert len(post_inserts) == 1


def test_when_the_chunks_transaction_fails_each_reply_is_written_alone(scene, monkeypatch):
    from django.db import OperationalError

    from mailbridge.inbound.steps import create_post

    def fail(replies):
        raise OperationalError("serialization failure")

    monkeypatch.setattr(create_post, "_replies_write", fail)
    rows = _store_replies(scene, 4)
    statuses, failed = inbound_process_many([row.pk for row in rows])
    assert (statuses, failed) == ({row.pk: InboundStatus.POSTED for row in rows}, [])
    assert sorted(scene.post.thread.posts.values_list("number", flat=True)) == [1, 2, 3]


def test_a_reply_to_a_message_of_the_same_chunk_answers_its_post(scene):
    first = _store_replies(scene, 1)[0]  # Hélène, by her reply address
    answer = (
        f"From: Claire Bernard <{CLAIRE}>\r\nTo: <{scene.list_address}>\r\n"
        "Subject: Re: [session] Qui vient ?\r\nMessage-ID: <claire-1@exemple.org>\r\n"
        "In-Reply-To: <chunk-0@exemple.org>\r\n"
        f"References: <post-{scene.post.pk}@lists.intercoop.test> <chunk-0@exemple.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nJe viens aussi, Hélène.\r\n"
    ).encode()
    second = store_by_hand(answer, mail_from=CLAIRE, rcpt_tos=[scene.list_address])
    statuses, failed = inbound_process_many([first.pk, second.pk])
    assert (statuses, failed) == ({first.pk: "posted", second.pk: "posted"}, [])
    helene_post = InboundMessage.objects.get(pk=first.pk).post
    claire_post = InboundMessage.objects.get(pk=second.pk).post
    assert claire_post.thread_id == scene.thread.pk
    assert claire_post.in_reply_to_id == helene_post.pk


def test_a_copy_in_the_same_chunk_is_told_which_post_its_message_made(scene):
    rows = _store_replies(scene, 2)
    copy = store_by_hand(bytes(rows[0].raw), mail_from=HELENE, rcpt_tos=rows[0].rcpt_tos)
    statuses, failed = inbound_process_many([*(row.pk for row in rows), copy.pk])
    assert failed == []
    assert statuses[copy.pk] == InboundStatus.DUPLICATE
    made = InboundMessage.objects.get(pk=rows[0].pk).post_id
    detail = InboundMessage.objects.get(pk=copy.pk).trail[-1]["detail"]
    assert f"already made post {made} (message {rows[0].pk})" in detail


def test_a_subscriber_failing_for_one_post_holds_back_only_its_message(scene):
    from forum import events

    rows = _store_replies(scene, 4)

    def broken_for_number_2(*, post, **payload):
        if "numéro 2 " in post.body_text:
            raise RuntimeError("a bug in a subscriber")

    events.subscribe("post_created", broken_for_number_2, atomic=True)
    try:
        statuses, failed = inbound_process_many([row.pk for row in rows])
    finally:
        events._registry["post_created"].atomic.remove(broken_for_number_2)
    assert failed == [rows[2].pk]
    assert statuses == {row.pk: InboundStatus.POSTED for row in rows if row.pk != rows[2].pk}
    stored = InboundMessage.objects.get(pk=rows[2].pk)
    assert (stored.status, stored.post_id) == (InboundStatus.RECEIVED, None)
    assert "a bug in a subscriber" in stored.trail[-1]["detail"]
