"""deduplicate: the same message twice makes one post."""

from __future__ import annotations

from forum.models import Post
from mailbridge.inbound.processing import inbound_process
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene
from mailbridge.tests.inbound.support import store_by_hand


def test_the_same_message_id_sent_twice_makes_one_post(gateway):
    scene = Scene()
    data = scene.fixture("reply_thunderbird_fr.eml")
    first = gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.address]).message()
    second = gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.address]).message()
    assert first.status == InboundStatus.POSTED
    assert (second.status, second.reason) == (InboundStatus.DUPLICATE, "duplicate")
    assert f"already made post {first.post_id}" in second.trail[-1]["detail"]
    assert Post.objects.filter(message_id=first.message_id).count() == 1


def test_the_same_message_to_the_list_and_the_reply_address_in_two_transactions(gateway):
    scene = Scene()
    data = scene.fixture("reply_thunderbird_fr.eml")
    gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.address])
    gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.list_address])
    statuses = sorted(InboundMessage.objects.values_list("status", flat=True))
    assert statuses == [InboundStatus.DUPLICATE, InboundStatus.POSTED]
    assert Post.objects.count() == 2  # the question and one answer


def test_two_copies_processed_at_the_same_moment_make_one_post(db):
    """Both pass the early check (neither has posted yet); the unique post_key taken
    in the post's transaction lets only one through."""
    scene = Scene()
    data = scene.fixture("reply_thunderbird_fr.eml")
    rows = [store_by_hand(data, mail_from=HELENE, rcpt_tos=[scene.address]) for _ in range(2)]
    from mailbridge.inbound.steps import deduplicate

    real = deduplicate.step
    calls = []

    def both_pass(ctx):
        outcome = real(ctx)
        calls.append(ctx.inbound_id)
        if len(calls) == 1:  # the other copy is processed "meanwhile"
            inbound_process(inbound_id=rows[1].pk)
        return outcome

    from mailbridge.inbound import pipeline

    steps = tuple(
        pipeline.Step(step.name, both_pass if step.name == "deduplicate" else step.run)
        for step in pipeline.STEPS
    )
    original = pipeline.STEPS
    pipeline.STEPS = steps
    try:
        inbound_process(inbound_id=rows[0].pk)
    finally:
        pipeline.STEPS = original
    statuses = {row.pk: row.status for row in InboundMessage.objects.all()}
    assert statuses == {rows[1].pk: InboundStatus.POSTED, rows[0].pk: InboundStatus.DUPLICATE}
    assert Post.objects.count() == 2
    assert "posted by another copy" in InboundMessage.objects.get(pk=rows[0].pk).trail[-1]["detail"]


def test_a_message_without_message_id_is_recognised_by_its_bytes(db):
    scene = Scene()
    data = scene.fixture("reply_thunderbird_fr.eml").replace(b"Message-ID:", b"X-No-Id:")
    rows = [store_by_hand(data, mail_from=HELENE, rcpt_tos=[scene.address]) for _ in range(2)]
    assert [inbound_process(inbound_id=row.pk) for row in rows] == [
        InboundStatus.POSTED,
        InboundStatus.DUPLICATE,
    ]
