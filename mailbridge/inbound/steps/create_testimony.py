"""create_testimony: a message to `<session-slug>+temoignage@` becomes a testimony.

Through forum.services.testimonies.testimony_submit, as on the site: the subject is
the title (cleaned of reply and forward prefixes; else the first line), the
extracted text the body; attachments are not kept (a testimony is one page of text).

Consent by mail (docs/architecture.md, "Testimonies"): a choice the person already
made on the site for this session is kept; otherwise the testimony is anonymous
when the subject carries « [anonyme] » or starts with « anonyme : » (or
"anonymous", either case), or when the first line of the text is that word alone
(the marker is taken out of the title or the text), and signed in every other case.

Themes by mail: a line « Thèmes : non-dits, identité collective » first or last in the
text (inbound/testimony_themes.py); a name that is not one of the session's themes
refuses the testimony with a notice that lists them.

Published at once, or kept for review when the session holds testimonies (the
sender is told); refused with a notice when the person is not registered for the
session, the text is over a page, or they already sent one. The testimony and the
stored message's decision and `post_key` are written in one transaction: a second
copy of the message is a duplicate.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from forum.errors import NotAllowed, UserError
from forum.models import Consent, TestimonyStatus
from forum.selectors.testimonies import testimony_themes
from forum.services.testimonies import testimony_call_for, testimony_submit
from mailbridge.addresses import AddressKind
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.reasons import Reason
from mailbridge.inbound.steps import attachments
from mailbridge.inbound.steps.create_post import _title, clean_subject
from mailbridge.inbound.testimony_themes import themes_read
from mailbridge.models import InboundMessage

_WORD = r"(?:anonyme|anonymous)"
_SUBJECT_TAG = re.compile(rf"\[\s*{_WORD}\s*\]", re.IGNORECASE)
_SUBJECT_MARK = re.compile(rf"^\s*{_WORD}\s*:\s*", re.IGNORECASE)
_LINE_MARK = re.compile(rf"^\s*\[?\s*{_WORD}\s*\]?\s*[.:!]?\s*$", re.IGNORECASE)
REFUSALS = {
    "testimony_too_long": Reason.TESTIMONY_TOO_LONG,
    "testimony_exists": Reason.TESTIMONY_ALREADY_WRITTEN,
    "body_required": Reason.EMPTY,
}


def consent_of(subject: str, body: str) -> tuple[str, str, str]:
    """(consent asked by the message, subject and body without the marker)."""
    untagged = _SUBJECT_TAG.sub(" ", subject, count=1)
    if untagged != subject:
        return Consent.ANONYMOUS, " ".join(untagged.split()), body
    cleaned = clean_subject(subject)
    marked = _SUBJECT_MARK.sub("", cleaned, count=1)
    if marked != cleaned:
        return Consent.ANONYMOUS, marked, body
    lines = body.lstrip("\n").split("\n", 1)
    if lines and _LINE_MARK.match(lines[0]):
        return Consent.ANONYMOUS, subject, lines[1].lstrip("\n") if len(lines) > 1 else ""
    return Consent.SIGNED, subject, body


def step(ctx: InboundContext) -> Outcome:
    if ctx.route.kind is not AddressKind.TESTIMONY:
        return Outcome.go_on("not a testimony")
    if ctx.attachments:
        attachments.files_remove(ctx.attachments)
        ctx.attachments = []
    session = ctx.board.session
    consent, subject, body = consent_of(ctx.subject, ctx.body)
    testimony_call_for(session)  # the session's themes, the defaults the first time
    themes = themes_read(body, testimony_themes(session=session))
    if themes.unknown:
        return Outcome.found(
            Reason.TESTIMONY_UNKNOWN_THEME, "unknown themes: " + ", ".join(themes.unknown)
        )
    ctx.subject, ctx.body = subject, themes.body
    title = _title(ctx)
    try:
        with transaction.atomic():
            testimony = testimony_submit(
                session=session,
                author=ctx.sender,
                title=title,
                body=ctx.body,
                theme_ids=themes.theme_ids,
                consent=consent,
                source="email",
                message_id=ctx.message_id,
            )
            if testimony.status == TestimonyStatus.PUBLISHED:
                ctx.post = testimony.thread.last_post
                outcome = Outcome.found(
                    Reason.TESTIMONY_PUBLISHED,
                    f"testimony {testimony.pk} ({testimony.consent}), thread {testimony.thread_id}",
                )
            else:
                outcome = Outcome.found(
                    Reason.TESTIMONY_HELD_FOR_REVIEW,
                    f"testimony {testimony.pk} ({testimony.consent}) awaits review",
                )
            ctx.decide(outcome)
            fields = ctx.row_fields()
            fields["trail"] = [*ctx.trail, ctx.entry("create_testimony", outcome)]
            InboundMessage.objects.filter(pk=ctx.inbound_id).update(post_key=ctx.post_key, **fields)
    except IntegrityError:
        ctx.post, ctx.reason = None, None
        return Outcome.found(Reason.DUPLICATE, f"{ctx.post_key} taken by another copy")
    except NotAllowed as exc:
        ctx.post = None
        return Outcome.found(Reason.TESTIMONY_NOT_REGISTERED, f"{exc} ({exc.code})")
    except UserError as exc:
        ctx.post = None
        reason = REFUSALS.get(exc.code)
        if reason is None:
            raise
        return Outcome.found(reason, f"{exc} ({exc.code})")
    ctx.saved = True
    return outcome
