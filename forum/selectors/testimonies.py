"""Reads of a session's testimonies: by theme (the facilitator's synthesis page), the
booklet, the review queue. Each testimony is given as a `TestimonyCard`, whose
`author_name` is « Témoignage anonyme » for an anonymous one: the person is never
part of what these return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from forum.models import Post, Session, Testimony, TestimonyStatus, TestimonyTheme
from forum.rendering import markdown_to_html
from forum.services.testimonies import ANONYMOUS_NAME


@dataclass(frozen=True)
class TestimonyCard:
    id: int
    title: str
    body_html: str
    author_name: str
    anonymous: bool
    themes: tuple[str, ...]
    created_at: datetime
    thread_url: str = ""


@dataclass
class ThemeGroup:
    theme: str  # "" for the testimonies given no theme
    testimonies: list[TestimonyCard] = field(default_factory=list)


def _card(testimony: Testimony, *, with_body: bool = True) -> TestimonyCard:
    anonymous = testimony.is_anonymous
    if anonymous:
        name = ANONYMOUS_NAME
    else:
        profile = getattr(testimony.author, "profile", None)
        name = (profile.display_name if profile else "") or testimony.author.get_username()
    return TestimonyCard(
        id=testimony.pk,
        title=testimony.title,
        body_html=markdown_to_html(testimony.body) if with_body else "",
        author_name=name,
        anonymous=anonymous,
        themes=tuple(theme.name for theme in testimony.themes.all()),
        created_at=testimony.created_at,
        thread_url=testimony.thread.get_absolute_url() if testimony.thread_id else "",
    )


def _testimonies(session: Session, status: str):
    return (
        Testimony.objects.filter(session=session, status=status)
        .select_related("author__profile", "thread")
        .prefetch_related("themes")
        .order_by("created_at", "pk")
    )


def published_testimonies(*, session: Session, with_body: bool = True) -> list[TestimonyCard]:
    """The session's published testimonies, oldest first (a testimony whose thread a
    moderator hid entirely is left out); without their text (`body_html` empty) when
    `with_body` is false, for pages that list titles only."""
    testimonies = list(_testimonies(session, TestimonyStatus.PUBLISHED))
    threads = [t.thread_id for t in testimonies if t.thread_id is not None]
    shown = set(
        Post.objects.filter(thread_id__in=threads, number=1, is_hidden=False).values_list(
            "thread_id", flat=True
        )
    )
    return [
        _card(testimony, with_body=with_body)
        for testimony in testimonies
        if testimony.thread_id is None or testimony.thread_id in shown
    ]


def published_testimony(*, session: Session, testimony_id: int) -> TestimonyCard | None:
    """One published testimony of the session as a card, or None."""
    for card in published_testimonies(session=session, with_body=False):
        if card.id == testimony_id:
            return _card(_testimonies(session, TestimonyStatus.PUBLISHED).get(pk=card.id))
    return None


def testimonies_by_theme(session: Session, *, with_body: bool = True) -> list[ThemeGroup]:
    """The session's published testimonies grouped by theme, in the themes' order,
    then those given no theme (theme ""); a testimony with two themes is in both
    groups. Themes no testimony has are listed empty."""
    groups = {
        theme.name: ThemeGroup(theme.name)
        for theme in TestimonyTheme.objects.filter(session=session).order_by("position", "pk")
    }
    untagged = ThemeGroup("")
    for card in published_testimonies(session=session, with_body=with_body):
        if not card.themes:
            untagged.testimonies.append(card)
        for name in card.themes:
            groups.setdefault(name, ThemeGroup(name)).testimonies.append(card)
    result = list(groups.values())
    if untagged.testimonies:
        result.append(untagged)
    return result


def testimonies_pending(*, session: Session) -> list[Testimony]:
    """Held for review, oldest first: the review queue."""
    return list(_testimonies(session, TestimonyStatus.PENDING))


def testimony_of(*, session: Session, person) -> Testimony | None:
    """The person's own testimony for the session (a refused one if that is all)."""
    mine = Testimony.objects.filter(session=session, author=person).select_related("thread")
    return mine.exclude(status=TestimonyStatus.REFUSED).first() or mine.last()


def untagged_label() -> str:
    return _("Sans thème")


def testimony_themes(*, session: Session) -> list[tuple[int, str]]:
    """(id, name) of the themes a testimony of `session` may carry, in their order
    (the defaults once the session's testimony settings exist)."""
    return list(
        TestimonyTheme.objects.filter(session=session)
        .order_by("position", "pk")
        .values_list("pk", "name")
    )
