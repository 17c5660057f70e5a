"""The testimony pages: write one (consent first, then the page), the review queue and
settings for the session's facilitators, the author of an anonymous testimony for
organisers, the printable booklet, and the "I won't write one" link of reminders.

Refusals are the services' (NotAllowed → the 403 page through the refusals
middleware); a session that does not exist or cannot be seen is a 404. The writer's
pages are personal: never cached on the way.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from forum import selectors
from forum.errors import UserError
from forum.models import Session, Testimony, TestimonyTheme, TestimonyWriter
from forum.permissions import can_see_session, is_facilitator, is_organiser
from forum.selectors.testimonies import (
    published_testimonies,
    testimonies_pending,
    testimony_of,
)
from forum.services.testimonies import (
    TESTIMONY_MAX_CHARS,
    can_write_testimony,
    testimony_author_reveal,
    testimony_call_for,
    testimony_consent_choose,
    testimony_decline,
    testimony_review,
    testimony_settings_set,
    testimony_submit,
    testimony_themes_set,
)
from forum.testimony_forms import ConsentForm, TestimonyForm, TestimonySettingsForm
from forum.testimony_tokens import verify_decline_token

logger = logging.getLogger(__name__)
TEMPLATES = "forum/testimonies/"


def _session(request, slug: str) -> Session:
    session = selectors.session_by_slug(slug=slug)
    if session is None or not can_see_session(request.user, session):
        raise Http404("no such session")
    return session


def _facilitated(request, slug: str) -> Session:
    session = _session(request, slug)
    if not is_facilitator(request.user, session):
        raise PermissionDenied(_("Seule l'animation de la session règle et relit les témoignages."))
    return session


@never_cache
@login_required
def write(request, slug: str):
    session = _session(request, slug)
    if not can_write_testimony(request.user, session):
        raise PermissionDenied(
            _("Seules les personnes inscrites à cette session peuvent témoigner.")
        )
    mine = testimony_of(session=session, person=request.user)
    if mine is not None and mine.status != "refused":
        return render(request, TEMPLATES + "done.html", {"session": session, "testimony": mine})
    testimony_call_for(session)
    writer = TestimonyWriter.objects.filter(session=session, person=request.user).first()
    consent = writer.consent if writer else ""
    context = {"session": session, "refused": mine, "max_chars": TESTIMONY_MAX_CHARS}
    if not consent:
        form = ConsentForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                testimony_consent_choose(
                    session=session, person=request.user, consent=form.cleaned_data["consent"]
                )
            except UserError as refusal:
                form.add_error("consent", str(refusal))
            else:
                return redirect("forum:testimony_write", slug=slug)
        return render(request, TEMPLATES + "consent.html", {**context, "form": form})
    themes = list(TestimonyTheme.objects.filter(session=session))
    data = request.POST if request.method == "POST" and "body" in request.POST else None
    form = TestimonyForm(data, themes=themes)
    if form.is_valid():
        try:
            testimony_submit(
                session=session,
                author=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                theme_ids=[int(pk) for pk in form.cleaned_data["themes"]],
            )
        except UserError as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect("forum:testimony_write", slug=slug)
    return render(request, TEMPLATES + "write.html", {**context, "form": form, "consent": consent})


@never_cache
@login_required
def review(request, slug: str):
    session = _facilitated(request, slug)
    if request.method == "POST":
        testimony = get_object_or_404(
            Testimony, pk=_number(request.POST.get("testimony")), session=session
        )
        publish = request.POST.get("action") == "publish"
        try:
            testimony_review(
                testimony=testimony,
                reviewer=request.user,
                publish=publish,
                reason=request.POST.get("reason", ""),
            )
        except UserError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("Témoignage publié.")
                if publish
                else _("Témoignage refusé ; son auteur·rice est prévenu·e."),
            )
        return redirect("forum:testimony_review", slug=slug)
    return render(
        request,
        TEMPLATES + "review.html",
        {
            "session": session,
            "pending": testimonies_pending(session=session),
            "can_reveal": is_organiser(request.user, session.event),
        },
    )


@never_cache
@login_required
def settings_page(request, slug: str):
    session = _facilitated(request, slug)
    call = testimony_call_for(session)
    themes = [theme.name for theme in TestimonyTheme.objects.filter(session=session)]
    initial = {
        "hold_for_review": call.hold_for_review,
        "reminder_days": ", ".join(str(day) for day in call.reminder_days),
        "themes": "\n".join(themes),
    }
    form = TestimonySettingsForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if form.is_valid():
        try:
            testimony_settings_set(
                session=session,
                editor=request.user,
                hold_for_review=form.cleaned_data["hold_for_review"],
                reminder_days=form.cleaned_data["reminder_days"],
            )
            testimony_themes_set(
                session=session, editor=request.user, names=form.cleaned_data["themes"]
            )
        except UserError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Réglages des témoignages enregistrés."))
            return redirect("forum:testimony_settings", slug=slug)
    return render(request, TEMPLATES + "settings.html", {"session": session, "form": form})


@never_cache
@login_required
@require_POST
def author(request, pk: int):
    testimony = get_object_or_404(Testimony.objects.select_related("session__event"), pk=pk)
    if not can_see_session(request.user, testimony.session):
        raise Http404("no such testimony")
    person = testimony_author_reveal(testimony=testimony, viewer=request.user)
    return render(
        request,
        TEMPLATES + "author.html",
        {"session": testimony.session, "testimony": testimony, "person": person},
    )


def booklet(request, slug: str):
    session = _session(request, slug)
    return render(
        request,
        TEMPLATES + "booklet.html",
        {
            "session": session,
            "event": session.event,
            "testimonies": published_testimonies(session=session),
        },
    )


@never_cache
def decline(request, token: str):
    """The reminder's "I won't write one" link: a page that asks, a POST that records."""
    found = verify_decline_token(token)
    session = person = None
    if found is not None:
        session = Session.objects.filter(pk=found[0]).first()
        person = get_user_model().objects.filter(pk=found[1], is_active=True).first()
    if session is None or person is None:
        logger.info("testimony decline link refused")
        return render(request, TEMPLATES + "decline_refused.html", status=403)
    done = False
    if request.method == "POST":
        testimony_decline(session=session, person=person)
        done = True
    return render(request, TEMPLATES + "decline.html", {"session": session, "done": done})


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("no such testimony") from None
