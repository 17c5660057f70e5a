"""find_parent: a reply sent to the list address, without a token, joins its thread."""

from __future__ import annotations

from forum import services
from forum.models import Thread
from forum.tests.factories import make_registration
from mailbridge.models import InboundStatus
from mailbridge.tests.inbound.factories import CLAIRE, Scene, first_post, member, session_board


def test_a_reply_to_the_list_naming_a_post_in_in_reply_to_is_threaded_under_it(gateway):
    scene = Scene()
    member(scene.board, CLAIRE, name="Claire Bernard")
    answer = services.post_add(
        draft=services.PostDraft(thread=scene.thread, author=scene.helene, body="Moi aussi.")
    )
    data = scene.fixture("reply_to_list_with_references.eml", FIRSTID=str(scene.post.pk)).replace(
        f"<post-{scene.post.pk}@lists.intercoop.test>\r\nReferences".encode(),
        f"<post-{answer.pk}@lists.intercoop.test>\r\nReferences".encode(),
    )
    stored = gateway.send(data, mail_from=CLAIRE, rcpt_tos=[scene.list_address]).message()
    assert (stored.status, stored.reason) == (InboundStatus.POSTED, "posted"), stored.trail
    assert stored.post.thread == scene.thread
    assert stored.post.in_reply_to == answer
    assert stored.post.body_text == "Je viens aussi, avec l'école de Bagnolet.\n\nClaire"
    assert Thread.objects.count() == 1


def test_a_reference_to_a_post_of_another_board_opens_a_new_thread_here(gateway):
    scene = Scene()
    other_board = session_board("autre-session")
    make_registration(user=scene.paul, event=other_board.event, sessions=[])
    elsewhere = first_post(other_board, scene.paul)
    member(scene.board, CLAIRE)
    data = scene.fixture("reply_to_list_with_references.eml", FIRSTID=str(scene.post.pk)).replace(
        f"post-{scene.post.pk}@".encode(), f"post-{elsewhere.pk}@".encode()
    )
    stored = gateway.send(data, mail_from=CLAIRE, rcpt_tos=[scene.list_address]).message()
    assert stored.status == InboundStatus.NEW_THREAD
    assert stored.post.thread.board == scene.board


def test_a_post_that_came_by_email_is_found_by_its_own_message_id(gateway):
    scene = Scene()
    member(scene.board, CLAIRE)
    by_mail = services.post_add(
        draft=services.PostDraft(
            thread=scene.thread, author=scene.helene, body="Par courriel.",
            source="email", message_id="<abc@exemple.coop>",
        )
    )  # fmt: skip
    data = (
        scene.fixture("reply_to_list_with_references.eml", FIRSTID=str(scene.post.pk))
        .replace(
            f"In-Reply-To: <post-{scene.post.pk}@lists.intercoop.test>".encode(),
            b"In-Reply-To: <abc@exemple.coop>",
        )
        .replace(b"References: ", b"References: <abc@exemple.coop> ")
    )
    stored = gateway.send(data, mail_from=CLAIRE, rcpt_tos=[scene.list_address]).message()
    assert stored.post.in_reply_to == by_mail
