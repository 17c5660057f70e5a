"""What digests and session recaps share: the list a board is, who may receive its
mail, rendering a mail in the recipient's language, and writing the outbox rows.

A Delivery of kind DIGEST or RECAP carries its rendered content in `payload`
(subject, text, html, board_id); outbound/payload_message.py turns it into the
message the sender transmits. Rows are written in the caller's transaction and the
sender is woken after commit (docs/fixed-points.md, "Enqueue after commit") by the same
outbound.fanout.outbox_wake as posts.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from common.compiled_queries import CompiledQuery
from forum.models import Board
from forum.models.visibility import board_audience, readers_of
from mailbridge.addresses import board_address, board_list_slug
from mailbridge.bounces import suspended_user_ids
from mailbridge.models import Delivery
from mailbridge.outbound.fanout import outbox_wake
from mailbridge.outbound.message import _list_id as list_id_header
from mailbridge.outbound.message import list_address
from mailbridge.unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListIdentity:
    """A board seen as a mailing list (RFC 2369 and RFC 2919 headers), named as
    outbound/message.py names it for posts, so that a member's filter on List-Id
    catches the board's posts, digests and recaps alike."""

    slug: str
    name: str
    address: str
    list_id: str
    archive_url: str
    post_mailto: str | None
    unsubscribe_mailto: str

    @classmethod
    def for_board(cls, board: Board) -> ListIdentity:
        # The general board (neither session nor network) takes no mail: List-Post NO.
        return cls(
            slug=board.slug,
            name=board.title,
            address=board_address(board),
            list_id=list_id_header(board),
            archive_url=absolute_url(board),
            post_mailto=f"mailto:{board_address(board)}" if board.has_list else None,
            unsubscribe_mailto=f"mailto:{list_address(board_list_slug(board), 'unsubscribe')}",
        )


def absolute_url(obj) -> str:
    """The site URL of a board, thread or post; the home page while the forum pages
    that name them are not routed (an old link in a mail must lead somewhere)."""
    try:
        path = obj.get_absolute_url()
    except NoReverseMatch:
        logger.debug("no page for %r yet; linking to the home page", obj)
        path = "/"
    return settings.INTERCOOP_SITE_URL + path


def subscriptions_url() -> str:
    return settings.INTERCOOP_SITE_URL + reverse("mailbridge:subscriptions")


def deliverable_people(*, board: Board, user_ids: Iterable[int]) -> list:
    """The people among `user_ids` to whom mail about `board` may go, each with
    `mail_address` set: the same rules as a post's recipients
    (outbound/recipients.py): active, a verified primary address, not suspended
    after bounces, and allowed to see the board (visibility.readers_of: a private session's
    content never leaves by mail for someone no longer registered)."""
    audience = board_audience(board)
    ids = list(user_ids)
    if len(ids) != 1:
        return list(_deliverable(audience, Q(pk__in=ids)))
    # One person (a questionnaire's confirmation, at every answer): the SQL made once
    # per process (common/compiled_queries.py).
    private = audience["private"]
    values = {"user_id": ids[0], **({"event_id": audience["event_id"]} if private else {})}
    return _DELIVERABLE_ONE.objects(private, **values)


def _deliverable(audience: dict, people: Q):
    verified_primary = (
        EmailAddress.objects.filter(user_id=OuterRef("pk"), primary=True, verified=True)
        .order_by("pk")
        .values("email")[:1]
    )
    return (
        get_user_model()
        .objects.filter(readers_of(**audience))
        .filter(people, is_active=True)
        .exclude(pk__in=suspended_user_ids())
        .annotate(mail_address=Subquery(verified_primary))
        .filter(mail_address__isnull=False)
        .select_related("profile")
        .order_by("pk")
    )


_DELIVERABLE_ONE = CompiledQuery(
    lambda private, *, user_id, event_id=None: _deliverable(
        {"private": private, "event_id": event_id}, Q(pk=user_id)
    )
)


def language_of(person) -> str:
    profile = getattr(person, "profile", None)
    language = getattr(profile, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render_mail(template: str, context: dict, *, language: str) -> dict:
    """{"subject", "text", "html"} from mail/<template>.txt and .html, in `language`.

    The subject is the first line of `mail/<template>_subject.txt`.
    """
    with translation.override(language):
        subject = render_to_string(f"mail/{template}_subject.txt", context)
        return {
            "subject": " ".join(subject.split()),
            "text": render_to_string(f"mail/{template}.txt", context).strip() + "\n",
            "html": render_to_string(f"mail/{template}.html", context),
            "language": language,
        }


class ListMailRenderer:
    """Renders one kind of list mail for many people of one board.

    Everyone reading the same content in the same language shares one rendering:
    it is made once with a placeholder where the person's unsubscribe link goes,
    and each copy only swaps the link in. A recap renders once per language, not once
    per follower, inside the session's transaction.
    """

    def __init__(self, template: str, board: Board):
        self.template = template
        self.board = board
        self.placeholder = "UNSUBSCRIBE" + secrets.token_hex(12)
        self._rendered: dict[tuple, dict] = {}

    def render(self, person, context: dict, *, content_key: Hashable = ()) -> dict:
        """The payload for `person`; `content_key` names what `context` holds (the
        same key must mean the same content)."""
        language = language_of(person)
        cache_key = (language, content_key)
        shared = self._rendered.get(cache_key)
        if shared is None:
            full_context = {
                **context,
                "unsubscribe_url": self.placeholder,
                "subscriptions_url": subscriptions_url(),
                "site_url": settings.INTERCOOP_SITE_URL,
            }
            shared = render_mail(self.template, full_context, language=language)
            self._rendered[cache_key] = shared
        url = unsubscribe_url(person, self.board)
        return {
            name: value.replace(self.placeholder, url) if isinstance(value, str) else value
            for name, value in shared.items()
        }


def deliveries_write(
    *, kind: str, key: str, board: Board, rows: list[tuple], new_key: bool = False
) -> int:
    """Write one pending Delivery per (person, payload) in `rows`; returns how many.

    (address, key) is unique: a row already written for that key (the task ran
    twice, or two beats raced) is kept and no second one is made. `new_key`: the
    caller made `key` just now, unique to this write, so no row can have it yet and
    none is looked for. Wakes the sender once the caller's transaction commits.
    """
    now = timezone.now()
    existing = set()
    if not new_key:
        addresses = [person.mail_address for person, _ in rows]
        existing = set(
            Delivery.objects.filter(key=key, address__in=addresses).values_list(
                "address", flat=True
            )
        )
    deliveries = [
        Delivery(
            kind=kind,
            key=key,
            recipient=person,
            address=person.mail_address,
            payload={**payload, "board_id": board.pk},
            next_attempt_at=now,
        )
        for person, payload in rows
        if person.mail_address not in existing
    ]
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    if deliveries:
        count = len(deliveries)
        transaction.on_commit(lambda: outbox_wake(deliveries=count))
    return len(deliveries)
