"""A session's live page: its state, the facilitators' notes, the latest posts and the
number of people following, all kept current by the session's websocket."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import selectors, services
from forum.board_forms import new_submission_key
from forum.drafts import draft_accepted
from forum.errors import UserError
from forum.models import Session, SessionState
from forum.permissions import can_see_session, is_facilitator
from forum.selectors.notes import (
    latest_posts_for_session,
    notes_for_session,
    notes_thread_for_session,
)
from forum.selectors.questionnaires import questionnaire_for_session
from forum.services.live_posts import live_threads_for_session, may_write_live, session_live_post
from forum.services.notes import session_note_post
from realtime import presence
from realtime.forms import LivePostForm, NoteForm
from realtime.fragments import projection_context

LATEST_POSTS = 20
NOTES_SHOWN = 50


def _session_or_404(request, slug: str) -> Session:
    session = selectors.session_by_slug(slug=slug)
    if session is None or not can_see_session(request.user, session):
        raise Http404("no such session")
    return session


def _live_url(session: Session) -> str:
    return reverse("realtime:session_live", kwargs={"slug": session.slug})


def session_live(
    request,
    slug: str,
    *,
    note_form: NoteForm | None = None,
    post_form: LivePostForm | None = None,
    status: int = 200,
):
    session = _session_or_404(request, slug)
    facilitator = is_facilitator(request.user, session)
    if facilitator and note_form is None:
        note_form = NoteForm()
    may_write = may_write_live(request.user, session)
    if may_write and post_form is None:
        post_form = LivePostForm(
            threads=live_threads_for_session(session=session),
            initial={"submission_key": new_submission_key()},
        )
    context = {
        "event": session.event,
        "session": session,
        "board": getattr(session, "board", None),
        "facilitator": facilitator,
        "states": SessionState.choices,
        "notes": notes_for_session(session=session, limit=NOTES_SHOWN),
        "notes_thread": notes_thread_for_session(session=session),
        "latest_posts": latest_posts_for_session(session=session, limit=LATEST_POSTS),
        "latest_limit": LATEST_POSTS,
        "presence_count": presence.session_count(session_id=session.pk),
        "note_form": note_form if facilitator else None,
        **projection_context(questionnaire_for_session(session=session)),
        "post_form": post_form if may_write else None,
    }
    return render(request, "realtime/session_live.html", context, status=status)


@login_required
@require_POST
def session_state(request, slug: str):
    session = _session_or_404(request, slug)
    try:
        services.session_state_set(
            session=session, actor=request.user, state=request.POST.get("state", "")
        )
    except UserError as error:
        messages.error(request, str(error))
    return redirect(_live_url(session))


@login_required
@require_POST
def session_note(request, slug: str):
    session = _session_or_404(request, slug)
    if not is_facilitator(request.user, session):
        raise PermissionDenied(_("Seules l'animation et l'organisation peuvent publier des notes."))
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            session_note_post(session=session, author=request.user, body=form.cleaned_data["body"])
        except UserError as error:
            form.add_error("body", str(error))
        else:
            messages.success(request, _("La note est publiée."))
            return draft_accepted(request, redirect(_live_url(session)))
    return session_live(request, slug, note_form=form, status=400)


@login_required
@require_POST
def session_post(request, slug: str):
    """A post written from the live page (forum.services.live_posts)."""
    session = _session_or_404(request, slug)
    if not may_write_live(request.user, session):
        raise PermissionDenied(_("Vous pourrez écrire ici pendant la session, une fois inscrit·e."))
    form = LivePostForm(request.POST, threads=live_threads_for_session(session=session))
    if form.is_valid():
        data = form.cleaned_data
        try:
            session_live_post(
                session=session,
                author=request.user,
                body=data["body"],
                thread_id=data["thread"],
                submission_key=data["submission_key"],
            )
        except UserError as error:
            form.add_user_error(error)
        else:
            messages.success(request, _("Votre message est publié."))
            return draft_accepted(request, redirect(_live_url(session)))
    return session_live(request, slug, post_form=form, status=400)
