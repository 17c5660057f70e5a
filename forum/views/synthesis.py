"""The facilitator's synthesis of a session's questionnaire: the page, its exports,
sharing it with participants and projecting a chart or a testimony on the session's live page.

404 for a session the reader may not see or without a questionnaire; 403 for a
reader who may see the session but not the synthesis (forum.permissions.can_see_synthesis),
and for anyone but its builders on the exports and the facilitators' forms.
"""

from __future__ import annotations

import logging
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum.board_forms import PK_MAX
from forum.errors import UserError
from forum.models import Questionnaire
from forum.page_cache import keep_at_most, share_page, shared_page, synthesis_scope
from forum.permissions import can_build_questionnaire, can_see_session, can_see_synthesis
from forum.questionnaire_exports import answers_csv, answers_ods
from forum.selectors.questionnaires import questionnaire_for_session_slug
from forum.selectors.synthesis import synthesis_of, texts_of
from forum.selectors.testimonies import testimonies_by_theme
from forum.services.synthesis import (
    synthesis_project,
    synthesis_project_testimony,
    synthesis_share,
)
from forum.synthesis_fragments import texts_html

ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
# How long the page may show figures already read (see _blocks); while one request
# reads them again, the others show them up to STALE_SECONDS old (under the 5 s
# before a page's render whose pushes its live script replays: realtime.store).
CACHE_SECONDS = 2
STALE_SECONDS = 4

logger = logging.getLogger(__name__)


def _questionnaire(request, slug: str, *, builders_only: bool = False) -> Questionnaire:
    return _questionnaire_and_role(request, slug, builders_only=builders_only)[0]


def _questionnaire_and_role(
    request, slug: str, *, builders_only: bool = False
) -> tuple[Questionnaire, bool]:
    """The session's questionnaire, checked for the reader, and whether they build it."""
    questionnaire = questionnaire_for_session_slug(slug=slug)
    if questionnaire is None or not can_see_session(request.user, questionnaire.session):
        raise Http404("no such session, or no questionnaire")
    builder = can_build_questionnaire(request.user, questionnaire.session)
    allowed = (
        builder
        if builders_only
        else can_see_synthesis(request.user, questionnaire, builder=builder)
    )
    if not allowed:
        raise PermissionDenied(
            _("La synthèse est réservée à l'animation tant qu'elle ne l'a pas ouverte.")
        )
    return questionnaire, builder


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= PK_MAX else None


def testimony_themes(*, session, tag: str = "", groups: list | None = None) -> list:
    """The session's published testimonies grouped by theme (forum.selectors.testimonies,
    never naming an anonymous author); with `tag`, that theme's group alone. Themes
    no testimony has are left out."""
    if groups is None:
        groups = testimonies_by_theme(session)
    groups = [group for group in groups if group.testimonies]
    if tag:
        groups = [group for group in groups if group.theme == tag]
    return groups


def _testimony_cards(groups: list) -> list:
    """Each testimony of `groups` once, in the order they came."""
    cards = {card.id: card for group in groups for card in group.testimonies}
    return sorted(cards.values(), key=lambda card: (card.created_at, card.id))


def _blocks(questionnaire: Questionnaire):
    """The figures, and the figures and unfiltered free texts rendered as the page and
    the live pushes show them (the same templates), read at most CACHE_SECONDS ago,
    in the reader's language. A page rendered from older figures misses nothing: its
    live script replays the pushes of the last seconds (realtime's catch-up), each
    rendered from figures read at its answer's commit.

    When they are due again, one request reads them (it takes a lock in the cache) and
    the others meanwhile show the previous ones, up to STALE_SECONDS old: readers
    arriving together do not all read 1,000 answers at once."""
    key = blocks_key(questionnaire)
    now = time.time()
    try:
        found = cache.get(key)
    except Exception:  # an optimisation only: with the cache unreachable, read afresh
        logger.warning("synthesis cache unreachable", exc_info=True)
        return _blocks_read(questionnaire)[1]
    if found is not None:
        read_at, blocks = found
        age = now - read_at
        if age < CACHE_SECONDS:
            return blocks
        if age < STALE_SECONDS and not _lock(key):
            return blocks  # another request is reading them
    read_at, blocks = _blocks_read(questionnaire)
    try:
        cache.set(key, (read_at, blocks), STALE_SECONDS)
        cache.delete(f"{key}:reading")
    except Exception:
        logger.warning("synthesis cache unreachable", exc_info=True)
    return blocks


def blocks_key(questionnaire: Questionnaire) -> str:
    """The cache key of _blocks in the active language; `<key>:reading` is its lock."""
    return (
        f"synthesis-blocks:{questionnaire.pk}:{questionnaire.created_at.timestamp()}:"
        f"{translation.get_language()}"
    )


def _lock(key: str) -> bool:
    try:
        return cache.add(f"{key}:reading", 1, STALE_SECONDS)
    except Exception:
        return True


def _blocks_read(questionnaire: Questionnaire):
    read_at = time.time()
    figures = synthesis_of(questionnaire=questionnaire)
    texts = texts_of(questionnaire=questionnaire)
    return read_at, (
        figures,
        render_to_string("forum/synthesis/_results.html", {"synthesis": figures}),
        texts_html(texts),
    )


@login_required
@shared_page(lambda slug: [synthesis_scope(slug)], params=("tag",), stale=STALE_SECONDS)
def synthesis(request, slug: str):
    """One render serves every reader who sees the same page (forum.page_cache.
    shared_page: the same session, language, `tag`, and role: facilitator or not),
    rendered again every CACHE_SECONDS by one of them while the others get the
    previous render, as its figures are (_blocks); the filtered free texts
    (`question`, `q`) are rendered each time. Who may see it is checked here for each
    reader (_questionnaire), before their first page and after any change of their
    role or registration or of the synthesis's sharing."""
    keep_at_most(request, CACHE_SECONDS)
    questionnaire, builder = _questionnaire_and_role(request, slug)
    text_question = _int_or_none(request.GET.get("question"))
    contains = request.GET.get("q", "")[:200]
    tag = request.GET.get("tag", "")[:100]
    filtered = bool(text_question or contains.strip())
    share_page(request, "builder" if builder else "reader")  # all the page shows of them
    figures, results_html, texts_html = _blocks(questionnaire)
    groups = testimonies_by_theme(questionnaire.session, with_body=False)  # titles only
    context = {
        "event": questionnaire.session.event,
        "session": questionnaire.session,
        "questionnaire": questionnaire,
        "synthesis": figures,
        "results_html": results_html,
        "texts_html": None if filtered else texts_html,
        "text_answers": (
            texts_of(questionnaire=questionnaire, question_id=text_question, contains=contains)
            if filtered
            else None
        ),
        "texts_filtered": filtered,
        "text_question": text_question,
        "contains": contains,
        "tag": tag,
        "testimony_themes": testimony_themes(session=questionnaire.session, tag=tag, groups=groups),
        "projectable_testimonies": _testimony_cards(groups) if builder else [],
        "builder": builder,
    }
    return render(request, "forum/synthesis/synthesis.html", context)


def _synthesis_url(questionnaire: Questionnaire) -> str:
    return reverse("forum:synthesis", args=[questionnaire.session.slug])


@login_required
@require_POST
def share(request, slug: str):
    questionnaire = _questionnaire(request, slug, builders_only=True)
    shared = request.POST.get("shared") == "1"
    synthesis_share(questionnaire=questionnaire, actor=request.user, shared=shared)
    messages.success(
        request,
        _("La synthèse est ouverte aux participant·es.")
        if shared
        else _("La synthèse est réservée à l'animation."),
    )
    return redirect(_synthesis_url(questionnaire))


def _project(request, slug: str, field: str, service, shown: str):
    """Project what the POST's `field` names with `service` (empty clears it)."""
    questionnaire = _questionnaire(request, slug, builders_only=True)
    pk = _int_or_none(request.POST.get(field))
    try:
        service(questionnaire=questionnaire, actor=request.user, **{f"{field}_id": pk})
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, shown if pk else _("Plus rien n'est projeté sur la page en direct.")
        )
    return redirect(_synthesis_url(questionnaire))


@login_required
@require_POST
def project(request, slug: str):
    shown = _("Le graphique est projeté sur la page en direct.")
    return _project(request, slug, "question", synthesis_project, shown)


@login_required
@require_POST
def project_testimony(request, slug: str):
    shown = _("Le témoignage est projeté sur la page en direct.")
    return _project(request, slug, "testimony", synthesis_project_testimony, shown)


def _download(content: bytes, content_type: str, questionnaire: Questionnaire, ext: str):
    response = HttpResponse(content, content_type=content_type)
    name = f"reponses-{questionnaire.session.slug}.{ext}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def export_csv(request, slug: str):
    questionnaire = _questionnaire(request, slug, builders_only=True)
    content = answers_csv(questionnaire=questionnaire)
    return _download(content, "text/csv; charset=utf-8", questionnaire, "csv")


@login_required
def export_ods(request, slug: str):
    questionnaire = _questionnaire(request, slug, builders_only=True)
    return _download(answers_ods(questionnaire=questionnaire), ODS_TYPE, questionnaire, "ods")
