"""The optional second way of a bridge: posts written on Intercoop in the network's
board go to the network's own list, when a référent switched the relay on
(`ListBridge.relay`).

Each such post gets one RELAY delivery in the outbox, written in the post's
transaction (an atomic subscriber of `post_created`), addressed to the list's
posting address, and sent as the other deliveries are. The message:

- From "Name via Intercoop" <bridge+<network-slug>@…>: the address subscribed to
  the list, so the list takes it as a member's post;
- Reply-To the list and the network's board on Intercoop, so that a reply reaches
  both;
- our Message-ID (`<post-<id>@domain>`, the one our own list mail carries) and
  In-Reply-To / References down the thread, so that mail clients and the list's
  archive thread it;
- `X-Intercoop-Origin`: the post's page.

The list sends the post back to the bridge address: detect_loop knows our
Message-ID and the `X-Intercoop-Origin` marker, so the copy makes no second post.
Posts that came through the bridge are never relayed (`post.via_bridge`).
"""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from forum.models import Post
from mailbridge.addresses import board_address, bridge_address
from mailbridge.models import Delivery, DeliveryKind, DeliveryStatus, ListBridge
from mailbridge.outbound.claims import OutboxRow
from mailbridge.outbound.message import message_id_for

ORIGIN_HEADER = "X-Intercoop-Origin"
MAX_REFERENCES = 20


def relay_key(post_id: int) -> str:
    return f"relay:{post_id}"


def on_post_created(*, post_id: int, post: Post | None = None, **_payload) -> None:
    """Atomic subscriber of `post_created`: one RELAY delivery when the post's board
    is a network's whose bridge relays, and the post did not come through it."""
    from mailbridge.outbound.fanout import outbox_wake

    if post is None:
        post = Post.objects.select_related("thread__board").get(pk=post_id)
    if getattr(post, "via_bridge", False) or not post.thread.board.network_id:
        return
    bridge = ListBridge.objects.filter(network_id=post.thread.board.network_id, relay=True).first()
    if bridge is None:
        return
    Delivery.objects.bulk_create(
        [
            Delivery(
                kind=DeliveryKind.RELAY,
                key=relay_key(post.pk),
                address=bridge.list_address,
                post_id=post.pk,
                status=DeliveryStatus.PENDING,
                next_attempt_at=timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: outbox_wake(deliveries=1))


def _message_id(post: Post) -> str:
    """How the list knows a post: the Message-ID it came with, else ours."""
    return post.message_id or message_id_for(post.pk)


def _references(post: Post) -> list[str]:
    chain, current, seen = [], post.in_reply_to, set()
    while current is not None and current.pk not in seen and len(chain) < MAX_REFERENCES:
        seen.add(current.pk)
        chain.append(_message_id(current))
        current = current.in_reply_to
    first = post.thread.posts.order_by("number").first()
    if first is not None and first.pk != post.pk and _message_id(first) not in chain:
        chain.append(_message_id(first))
    chain.reverse()
    return chain


def _name(post: Post) -> str:
    profile = getattr(post.author, "profile", None)
    name = (profile.display_name if profile else "") or "Intercoop"
    return " ".join(name.split())


def relay_message(post: Post, bridge: ListBridge) -> bytes:
    """The wire bytes of `post` for the list of `bridge`."""
    board = post.thread.board
    url = f"{settings.INTERCOOP_SITE_URL}{post.get_absolute_url()}"
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(
        display_name=f"{_name(post)} via Intercoop", addr_spec=bridge_address(bridge.network)
    )
    message["To"] = bridge.list_address
    message["Reply-To"] = f"{bridge.list_address}, {board_address(board)}"
    title = post.thread.title
    message["Subject"] = title if post.number == 1 else f"Re: {title}"
    message["Date"] = format_datetime(post.created_at)
    message["Message-ID"] = message_id_for(post.pk)
    references = _references(post)
    if references:
        message["In-Reply-To"] = references[-1]
        message["References"] = " ".join(references)
    message[ORIGIN_HEADER] = url
    body = post.body_text.replace("\r\n", "\n").rstrip()
    message.set_content(
        f"{body}\n\n-- \nÉcrit sur Intercoop / Written on Intercoop : {url}\n",
        charset="utf-8",
        cte="quoted-printable",
    )
    return message.as_bytes(policy=policy.SMTP)


def relay_build(row: OutboxRow) -> bytes:
    """The outbox's builder for RELAY deliveries (outbound.sender.register_builder)."""
    from mailbridge.outbound.sender import Cancelled

    post = Post.objects.select_related("thread__board__network", "author__profile").get(
        pk=row.post_id
    )
    if post.is_hidden:
        raise Cancelled("the post was hidden by a moderator before it was relayed")
    bridge = (
        ListBridge.objects.select_related("network")
        .filter(network_id=post.thread.board.network_id, relay=True)
        .first()
    )
    if bridge is None:
        raise Cancelled("the bridge no longer relays")
    return relay_message(post, bridge)
