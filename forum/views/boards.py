"""The boards: the index, the latest and unread threads across them, one board's
threads, marking it read, a new thread."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import selectors, services
from forum.board_forms import FOLLOW_LABELS, FollowForm, ThreadForm, new_submission_key
from forum.drafts import draft_accepted
from forum.errors import UserError
from forum.models import BoardKind
from forum.page_cache import ACTIVITY, board_scope, cached_page, reads_scope, versions
from forum.permissions import can_post
from forum.selectors.activity import boards_activity, threads_latest, threads_unread
from forum.views.access import board_or_404

THREADS_PER_PAGE = 50


def _event_or_404():
    event = selectors.event_current()
    if event is None:
        raise Http404("no event loaded")
    return event


def _reader_reads(request, **kwargs):
    """A signed-in reader's lists depend on their read marks too (forum.page_cache)."""
    return versions([reads_scope(request.user.pk)])


@cached_page(lambda: [ACTIVITY], params=(), reader=_reader_reads)
def boards(request):
    event = _event_or_404()
    visible = selectors.boards_for_event(event=event, user=request.user)
    context = {"event": event, "boards": boards_activity(boards=visible, user=request.user)}
    return render(request, "forum/boards.html", context)


def _thread_list(request, event, threads, *, title: str, view: str, empty: str):
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for thread in rows:
        thread.unread_count = getattr(thread, "unread", 0)
    context = {
        "event": event,
        "page": page,
        "threads": rows,
        "title": title,
        "view": view,
        "empty": empty,
        "show_board": True,
    }
    return render(request, "forum/threads_across.html", context)


@cached_page(lambda: [ACTIVITY], reader=_reader_reads)
def latest(request):
    event = _event_or_404()
    return _thread_list(
        request,
        event,
        threads_latest(event=event, user=request.user),
        title=_("Derniers messages"),
        view="latest",
        empty=_("Aucun message pour l'instant."),
    )


# The sign-in check inside the cached view, which is async (a hit in the event loop,
# forum/page_cache_loop.py): an anonymous reader is sent to sign in, a redirect that is
# never stored.
@cached_page(lambda: [ACTIVITY], reader=_reader_reads)
@login_required
def unread(request):
    event = _event_or_404()
    return _thread_list(
        request,
        event,
        threads_unread(event=event, user=request.user),
        title=_("Non lus"),
        view="unread",
        empty=_("Vous avez tout lu."),
    )


@cached_page(
    lambda slug: [board_scope(slug)],
    # Besides what is theirs (forum.page_cache): the unread counts, from their read marks.
    reader=lambda request, slug: versions([reads_scope(request.user.pk)]),
)
def board(request, slug: str):
    board = board_or_404(request, slug)
    page = Paginator(
        selectors.threads_for_board(board=board, user=request.user), THREADS_PER_PAGE
    ).get_page(request.GET.get("page"))
    threads = list(page.object_list)
    signed_in = request.user.is_authenticated
    read = selectors.unread_numbers(user=request.user, threads=threads)
    for thread in threads:
        thread.unread_count = max(0, thread.post_count - read.get(thread.pk, 0)) if signed_in else 0
    level = selectors.follow_level_for(user=request.user, board=board) if signed_in else None
    context = {
        "event": board.event,
        "board": board,
        "page": page,
        "threads": threads,
        "may_post": can_post(request.user, board),
        "follow_form": FollowForm(initial={"level": level}) if signed_in else None,
        "follow_level": FOLLOW_LABELS.get(level, level) if level else None,
    }
    return render(request, "forum/board.html", context)


@login_required
@require_POST
def board_mark_read(request, slug: str):
    board = board_or_404(request, slug)
    services.board_mark_all_read(user=request.user, board=board)
    messages.success(request, _("Tous les fils de ce forum sont marqués comme lus."))
    return redirect(board)


@login_required
def thread_new(request, slug: str):
    board = board_or_404(request, slug)
    if board.kind == BoardKind.LIBRARY:  # a thread there is an entry's discussion
        return redirect("forum:library_propose")
    if not can_post(request.user, board):
        raise PermissionDenied(_("Pour ouvrir un fil, inscrivez-vous d'abord aux journées."))
    if request.method == "POST":
        form = ThreadForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread = services.thread_create(
                    board=board,
                    author=request.user,
                    title=data["title"],
                    body=data["body"],
                    submission_key=data["submission_key"],
                )
            except UserError as error:
                form.add_user_error(error)
            else:
                return draft_accepted(request, redirect(thread))
        status = 400
    else:
        form = ThreadForm(initial={"submission_key": new_submission_key()})
        status = 200
    return render(
        request,
        "forum/thread_new.html",
        {"event": board.event, "board": board, "form": form},
        status=status,
    )
