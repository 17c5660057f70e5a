"""Testimonies: written on the site or by mail, reviewed when the session asks it,
published as threads of the session's « Témoignages » board through posts' one road.

A person registered for the session chooses, before writing, whether the testimony is
signed or anonymous; the choice is kept (TestimonyWriter.consent). An anonymous
testimony is posted under the shared account `anonymous_author()` ("Témoignage
anonyme", which cannot sign in), with the person's rights checked (PostDraft.acting):
every page, feed, API answer, live fragment and mail shows that name. Only the
event's organisers see the person (`testimony_author_reveal`), and each look is
recorded with who and when.

Events: `testimony_submitted(testimony_id)` when one is written, and
`testimony_reviewed(testimony_id)` when a held one is published or refused
(mailbridge tells its author).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import events
from forum.errors import NotAllowed, UserError
from forum.models import (
    Board,
    BoardKind,
    Consent,
    Follow,
    Profile,
    Session,
    Testimony,
    TestimonyAuthorAccess,
    TestimonyCall,
    TestimonyStatus,
    TestimonyTheme,
    TestimonyWriter,
)
from forum.models.testimony import DEFAULT_THEMES
from forum.permissions import can_answer_questionnaire, is_facilitator, is_organiser
from forum.reminder_schedule import MAX_DAYS, MAX_REMINDERS
from forum.services.posts import _clean_title, thread_create

logger = logging.getLogger(__name__)

# About one page.
TESTIMONY_MAX_CHARS = 3000
ANONYMOUS_USERNAME = "temoignage-anonyme"
ANONYMOUS_NAME = "Témoignage anonyme"
BOARD_TITLE = "Témoignages"
THEMES_MAX = 12
REMINDERS_MAX = MAX_REMINDERS  # the same rule as the questionnaire's (reminder_schedule)


def anonymous_author():
    """The shared account anonymous testimonies are posted under: inactive, with no
    usable password and no address, shown as « Témoignage anonyme »."""
    User = get_user_model()
    user = User.objects.filter(username=ANONYMOUS_USERNAME).select_related("profile").first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=ANONYMOUS_USERNAME, email="")
                user.set_unusable_password()
                user.is_active = False
                user.save(update_fields=["password", "is_active"])
                Profile.objects.create(user=user, display_name=ANONYMOUS_NAME)
        except IntegrityError:  # made meanwhile by another writer
            user = User.objects.get(username=ANONYMOUS_USERNAME)
    return user


def testimony_call_for(session: Session) -> TestimonyCall:
    """The session's testimony settings, made with their defaults (and the default
    themes) the first time they are asked for."""
    call, created = TestimonyCall.objects.get_or_create(session=session)
    if created and not TestimonyTheme.objects.filter(session=session).exists():
        TestimonyTheme.objects.bulk_create(
            TestimonyTheme(session=session, name=name, position=index)
            for index, name in enumerate(DEFAULT_THEMES)
        )
    return call


def can_write_testimony(user, session: Session) -> bool:
    """Those whose confirmed registration includes the session (as for its questionnaire)."""
    return can_answer_questionnaire(user, session)


def _writer(session: Session, person) -> TestimonyWriter:
    writer, _created = TestimonyWriter.objects.get_or_create(session=session, person=person)
    return writer


def testimony_consent_choose(*, session: Session, person, consent: str) -> TestimonyWriter:
    """Record the person's choice, signed or anonymous, before they write; a choice
    once made is kept (choosing it again changes nothing, the other one is refused)."""
    if not can_write_testimony(person, session):
        raise NotAllowed(
            _("Seules les personnes inscrites à cette session peuvent témoigner."),
            code="cannot_testify",
        )
    if consent not in Consent.values:
        raise UserError(_("Choisissez : signé ou anonyme."), code="consent")
    testimony_call_for(session)
    with transaction.atomic():
        writer = (
            TestimonyWriter.objects.select_for_update().filter(pk=_writer(session, person).pk).get()
        )
        if writer.consent and writer.consent != consent:
            raise UserError(
                _("Votre choix est déjà fait et reste celui-ci : %(consent)s.")
                % {"consent": writer.get_consent_display()},
                code="consent_locked",
            )
        if not writer.consent:
            writer.consent, writer.consent_at = consent, timezone.now()
            writer.save(update_fields=["consent", "consent_at"])
    return writer


def testimony_decline(*, session: Session, person) -> TestimonyWriter:
    """The person will not write one: no more reminders."""
    writer = _writer(session, person)
    if writer.declined_at is None:
        writer.declined_at = timezone.now()
        writer.save(update_fields=["declined_at"])
    return writer


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise UserError(_("Le témoignage est vide."), code="body_required")
    if len(body) > TESTIMONY_MAX_CHARS:
        raise UserError(
            _("Un témoignage tient sur une page : %(max)d caractères au plus (il en a %(length)d).")
            % {"max": TESTIMONY_MAX_CHARS, "length": len(body)},
            code="testimony_too_long",
        )
    return body


def testimony_submit(
    *,
    session: Session,
    author,
    title: str,
    body: str,
    theme_ids: Iterable[int] = (),
    consent: str = "",
    source: str = "web",
    message_id: str = "",
) -> Testimony:
    """Write `author`'s testimony for `session`; publish it at once, or keep it for
    review when the session holds testimonies (its facilitators' own excepted).

    The consent is the one the person chose before writing; `consent` is used only
    when they have not chosen yet (a testimony by mail), and is then kept. Refuses
    (NotAllowed) a person not registered for the session, and (UserError) an empty
    or over-long text, a missing title, a second testimony, an unknown theme.
    """
    if not can_write_testimony(author, session):
        raise NotAllowed(
            _("Seules les personnes inscrites à cette session peuvent témoigner."),
            code="cannot_testify",
        )
    title, body = _clean_title(title), _clean_body(body)
    call = testimony_call_for(session)
    themes = list(TestimonyTheme.objects.filter(session=session, pk__in=list(theme_ids)))
    with transaction.atomic():
        writer = TestimonyWriter.objects.select_for_update().get(pk=_writer(session, author).pk)
        if not writer.consent:
            if consent not in Consent.values:
                raise UserError(
                    _("Choisissez d'abord : signé ou anonyme."), code="consent_required"
                )
            writer.consent, writer.consent_at = consent, timezone.now()
            writer.save(update_fields=["consent", "consent_at"])
        if (
            Testimony.objects.filter(session=session, author=author)
            .exclude(status=TestimonyStatus.REFUSED)
            .exists()
        ):
            raise UserError(
                _("Vous avez déjà écrit votre témoignage pour cette session."),
                code="testimony_exists",
            )
        testimony = Testimony.objects.create(
            session=session,
            author=author,
            consent=writer.consent,
            title=title,
            body=body,
            source=source,
            message_id=message_id[:255],
        )
        testimony.themes.set(themes)
        if not call.hold_for_review or is_facilitator(author, session):
            _publish(testimony)
        events.publish("testimony_submitted", testimony_id=testimony.pk)
    return testimony


def testimony_review(
    *, testimony: Testimony, reviewer, publish: bool, reason: str = ""
) -> Testimony:
    """Publish or refuse a testimony held for review: the session's facilitators and
    the event's organisers. Its author is told (testimony_reviewed)."""
    if not is_facilitator(reviewer, testimony.session):
        raise NotAllowed(
            _("Seule l'animation de la session relit les témoignages."), code="cannot_review"
        )
    with transaction.atomic():
        testimony = (
            Testimony.objects.select_for_update().select_related("session").get(pk=testimony.pk)
        )
        if testimony.status != TestimonyStatus.PENDING:
            raise UserError(_("Ce témoignage a déjà été relu."), code="already_reviewed")
        testimony.reviewed_by, testimony.reviewed_at = reviewer, timezone.now()
        if publish:
            _publish(testimony)
        else:
            testimony.status = TestimonyStatus.REFUSED
            testimony.refusal_reason = " ".join((reason or "").split())[:300]
        testimony.save(update_fields=["reviewed_by", "reviewed_at", "status", "refusal_reason"])
        events.publish("testimony_reviewed", testimony_id=testimony.pk)
    return testimony


def testimony_author_reveal(*, testimony: Testimony, viewer):
    """The person who wrote an anonymous testimony, for the event's organisers only;
    each look is recorded (TestimonyAuthorAccess: who, when)."""
    if not is_organiser(viewer, testimony.session.event):
        raise NotAllowed(
            _("Seule l'organisation peut voir qui a écrit un témoignage anonyme."),
            code="cannot_reveal",
        )
    TestimonyAuthorAccess.objects.create(testimony=testimony, viewer=viewer)
    logger.info("author of testimony %s shown to user %s", testimony.pk, viewer.pk)
    return testimony.author


def testimony_board(session: Session) -> Board:
    """The session's « Témoignages » board, made when first needed: as private as the
    session, and followed by those who follow the session's board, at their level."""
    board = Board.objects.filter(session=session, kind=BoardKind.TESTIMONIES).first()
    if board is not None:
        return board
    main = session.board
    try:
        with transaction.atomic():
            board = Board.objects.create(
                event=session.event,
                session=session,
                kind=BoardKind.TESTIMONIES,
                slug=f"{session.slug}-temoignages"[:80],
                title=f"{BOARD_TITLE} — {session.title}"[:300],
                position=(main.position if main else session.number),
            )
    except IntegrityError:
        return Board.objects.get(session=session, kind=BoardKind.TESTIMONIES)
    if main is not None:
        Follow.objects.bulk_create(
            Follow(user_id=user_id, board=board, level=level)
            for user_id, level in Follow.objects.filter(board=main, thread=None).values_list(
                "user_id", "level"
            )
        )
    session.__dict__.pop("_boards_by_kind", None)
    return board


def _publish(testimony: Testimony) -> None:
    """The testimony as a thread of the « Témoignages » board, its themes above it."""
    author = testimony.author
    shown = anonymous_author() if testimony.is_anonymous else author
    names = [theme.name for theme in testimony.themes.all()]
    body = testimony.body
    if names:
        body = _("*Thèmes : %(themes)s*") % {"themes": ", ".join(names)} + "\n\n" + body
    thread = thread_create(
        board=testimony_board(testimony.session),
        author=shown,
        acting=author,
        title=testimony.title,
        body=body,
        source=testimony.source if testimony.source in ("web", "email") else "web",
        message_id=testimony.message_id,
    )
    testimony.thread = thread
    testimony.status = TestimonyStatus.PUBLISHED
    testimony.save(update_fields=["thread", "status"])


def testimony_settings_set(
    *, session: Session, editor, hold_for_review: bool, reminder_days: Sequence[int]
) -> TestimonyCall:
    """The session's settings, by its facilitators: at most three reminder days, each
    from 1 to 365 days before the session (the questionnaire's rule, reminder_schedule)."""
    if not is_facilitator(editor, session):
        raise NotAllowed(_("Seule l'animation règle les témoignages."), code="cannot_set")
    days = sorted({int(day) for day in reminder_days}, reverse=True)
    if len(days) > REMINDERS_MAX or any(day < 1 or day > MAX_DAYS for day in days):
        raise UserError(
            _("Au plus %(count)d relances, chacune de 1 à %(max)d jours avant la session.")
            % {"count": REMINDERS_MAX, "max": MAX_DAYS},
            code="reminder_days",
        )
    call = testimony_call_for(session)
    call.hold_for_review, call.reminder_days = hold_for_review, days
    call.save(update_fields=["hold_for_review", "reminder_days"])
    return call


def testimony_themes_set(*, session: Session, editor, names: Sequence[str]) -> list[TestimonyTheme]:
    """Replace the session's themes by `names` (in order, blank and repeated ones
    left out); a theme removed is taken off the testimonies that had it."""
    if not is_facilitator(editor, session):
        raise NotAllowed(_("Seule l'animation règle les témoignages."), code="cannot_set")
    cleaned = list(dict.fromkeys(" ".join(name.split())[:80] for name in names if name.strip()))
    if len(cleaned) > THEMES_MAX:
        raise UserError(_("Au plus %(max)d thèmes.") % {"max": THEMES_MAX}, code="too_many_themes")
    testimony_call_for(session)
    with transaction.atomic():
        existing = {theme.name: theme for theme in TestimonyTheme.objects.filter(session=session)}
        TestimonyTheme.objects.filter(session=session).exclude(name__in=cleaned).delete()
        themes = []
        for position, name in enumerate(cleaned):
            theme = existing.get(name) or TestimonyTheme(session=session, name=name)
            theme.position = position
            theme.save()
            themes.append(theme)
    return themes
