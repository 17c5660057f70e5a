"""What the messages of one chunk ask the database alike, asked once for them all.

A worker given a chunk of stored messages (mailbridge.process_inbound_many) reads
beforehand, in two queries, what their reply addresses name: the posts answered
(with thread, board, session, event and author, as verify_token needs them) and
the verified addresses of the people the addresses were made for (check_sender).
The steps ask `ctx.lookups` first and the database for anything it does not hold,
so a message processed on its own (no lookups) or one whose address is not a
reply is handled exactly as before.

The rows are read before the messages are processed: a post deleted or an address
unverified in the fraction of a second in between is seen as it was, as it would
have been by a worker that got there a moment earlier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from allauth.account.models import EmailAddress

from forum.models import Post
from mailbridge.addresses import AddressKind, parse_address
from mailbridge.errors import InvalidToken
from mailbridge.tokens import verify_reply_token

REPLY_POST_RELATED = ("thread__board__session", "thread__board__event", "author__profile")


class ChunkLookups:
    def __init__(self, rcpt_lists: Iterable[list[str]]):
        post_ids, user_ids = set(), set()
        for rcpt_tos in rcpt_lists:
            for address in rcpt_tos:
                parsed = parse_address(address)
                if parsed.kind is not AddressKind.REPLY:
                    continue
                try:
                    token = verify_reply_token(parsed.token)
                except InvalidToken:
                    continue  # verify_token will say so, for this message
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
