"""What the messages of one chunk ask the database alike, asked once for them all.

A worker given a chunk of stored messages (mailbridge.process_inbound_many) reads
beforehand, in four queries, what their reply addresses name: the posts answered
(with thread, board, session, event and author, as verify_token needs them), the
verified addresses of the people the addresses were made for (check_sender) and
those people's roles at the posts' events (the right to post: handed to
forum.permissions with remember_roles), and which of their post keys (Message-IDs)
earlier messages already made posts with (deduplicate). A key found twice in the
chunk itself is left to the database at the time (the first copy may post before
the second is looked at).
The steps ask `ctx.lookups` first and the database for anything it does not hold,
so a message processed on its own (no lookups) or one whose address is not a
reply is handled exactly as before.

The rows are read before the messages are processed: a post deleted or an address
unverified in the fraction of a second in between is seen as it was, as it would
have been by a worker that got there a moment earlier.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from allauth.account.models import EmailAddress

from forum.models import Post, Registration, RegistrationStatus
from forum.permissions import remember_roles
from mailbridge.addresses import reply_tokens_in
from mailbridge.inbound.identity import post_key_of
from mailbridge.models import InboundMessage

REPLY_POST_RELATED = (
    "thread__board__session",
    "thread__board__event",
    "thread__author__profile",  # for posts_create's cheaper lock and the board's live row
    "author__profile",
)


class ChunkLookups:
    def __init__(self, rows: Iterable[InboundMessage]):
        rows = list(rows)
        self._read_replies([row.rcpt_tos or [] for row in rows])
        self._read_post_keys(rows)

    def _read_replies(self, rcpt_lists: list[list[str]]) -> None:
        post_ids, user_ids = set(), set()
        for rcpt_tos in rcpt_lists:
            # A forged token is skipped here: verify_token will say so, for its message.
            for token in reply_tokens_in(rcpt_tos):
                post_ids.add(token.post_id)
                user_ids.add(token.user_id)
        self._posts = (
            {
                post.pk: post
                for post in Post.objects.select_related(*REPLY_POST_RELATED).filter(pk__in=post_ids)
            }
            if post_ids
            else {}
        )
        self._addresses: dict[int, list[EmailAddress]] = defaultdict(list)
        if user_ids:
            for row in EmailAddress.objects.filter(
                user_id__in=user_ids, verified=True
            ).select_related("user__profile"):
                self._addresses[row.user_id].append(row)
        self._user_ids = user_ids
        self._remember_roles()

    def _remember_roles(self) -> None:
        """The owners' roles at the events of the posts answered, for can_post."""
        event_ids = {post.thread.board.event_id for post in self._posts.values()}
        if not (event_ids and self._addresses):
            return
        roles = {
            (user_id, event_id): role
            for user_id, event_id, role in Registration.objects.filter(
                user_id__in=self._addresses.keys(),
                event_id__in=event_ids,
                status=RegistrationStatus.CONFIRMED,
            ).values_list("user_id", "event_id", "role")
        }
        for user_id, rows in self._addresses.items():
            known = {event_id: roles.get((user_id, event_id)) for event_id in event_ids}
            for row in rows:
                remember_roles(row.user, known)

    def _read_post_keys(self, rows: list[InboundMessage]) -> None:
        keys = Counter(post_key_of(row.raw_bytes()) for row in rows)
        self._keys = {key for key, count in keys.items() if count == 1}
        self._taken: dict[str, tuple[int, int | None]] = {}
        if self._keys:
            for key, inbound_id, post_id in InboundMessage.objects.filter(
                post_key__in=self._keys
            ).values_list("post_key", "pk", "post_id"):
                self._taken[key] = (inbound_id, post_id)

    def earlier_post(self, key: str) -> tuple[bool, tuple[int, int | None] | None]:
        """(known, (message id, post id) of the message that made a post with `key`,
        or None): known is False when this chunk did not look the key up."""
        if key not in self._keys:
            return False, None
        return True, self._taken.get(key)

    def reply_post(self, post_id: int) -> tuple[bool, Post | None]:
        """(known, the post): known is False when this chunk did not look it up."""
        if post_id in self._posts:
            return True, self._posts[post_id]
        return False, None

    def verified_addresses(self, user_id: int) -> list[EmailAddress] | None:
        """The person's verified addresses (user and profile loaded), or None when
        this chunk did not look them up."""
        if user_id not in self._user_ids:
            return None
        return self._addresses.get(user_id, [])
