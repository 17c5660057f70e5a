"""A thread: reading it, replying, and the moderators' lock, pin and move."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import post_fragments, selectors, services
from forum.board_forms import (
    FOLLOW_LABELS,
    FollowForm,
    MoveForm,
    ReplyForm,
    new_submission_key,
    parse_pk,
)
from forum.drafts import draft_accepted
from forum.errors import UserError
from forum.models import Post, Thread
from forum.page_cache import (
    cached_page,
    do_not_store,
    keep_at_most,
    reads_scope,
    thread_scope,
    versions,
)
from forum.permissions import boards_moderated_by, can_moderate
from forum.rendering import markdown_quote
from forum.templatetags.forum_extras import display_name
from forum.views.access import thread_or_404
from forum.views.sharing import share_context


@cached_page(
    lambda pk: [thread_scope(pk)],
    params=("page", "post"),
    # Besides what is theirs (forum.page_cache): how far they have read, through the
    # token of their read marks (replaced whenever one moves other than by a new post in
    # the thread, which replaces the thread's): a reload asks the database nothing more.
    reader=lambda request, pk: versions([reads_scope(request.user.pk)]),
)
def thread(request, pk: int):
    thread = thread_or_404(request, pk)
    return _thread_page(request, thread, page_number=request.GET.get("page"))


@login_required
@require_POST
def post_reply(request, pk: int):
    thread = thread_or_404(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        # Looked up anywhere: a post of another thread gets the service's clear refusal.
        answered = (
            Post.objects.filter(pk=data["in_reply_to"]).first() if data["in_reply_to"] else None
        )
        try:
            post = services.post_add(
                draft=services.PostDraft(
                    thread=thread,
                    author=request.user,
                    body=data["body"],
                    in_reply_to=answered,
                    submission_key=data["submission_key"],
                )
            )
        except UserError as error:
            form.add_user_error(error)
        else:
            return draft_accepted(request, redirect(post.get_absolute_url()))
    # Back to the last page, under which the form is, with the errors beside the text.
    last_page = max(1, -(-thread.post_count // settings.INTERCOOP_POSTS_PER_PAGE))
    return _thread_page(request, thread, page_number=last_page, reply_form=form, status=400)


def _thread_page(request, thread: Thread, *, page_number, reply_form=None, status=200):
    """Render a page of the thread: what it shows is read by the selector; here, the
    forms, the reader's read mark, and how long the page may stay in the cache."""
    user = request.user
    fragment_tokens = post_fragments.tokens_for(thread)  # before the posts: see the module
    read = selectors.thread_page_read(
        thread=thread,
        user=user,
        page_number=page_number,
        around_post=parse_pk(request.GET.get("post")),
        # With fragments from the cache, the page reads only the per-reader fields.
        light=fragment_tokens is not None,
    )
    if read.edits_close_at is not None:
        # "Modifier" under the reader's own posts goes with time: the page leaves the
        # cache before the first of them closes.
        keep_at_most(request, (read.edits_close_at - timezone.now()).total_seconds())
    if read.read_to is not None:
        services.thread_mark_read(user=user, thread=thread, number=read.read_to)
        # Their next visit asks with the new position: this page would wait in vain.
        do_not_store(request)

    if read.may_reply and reply_form is None:
        reply_form = ReplyForm(initial=_reply_initial(request, thread, read.moderator))
    # A refused reply keeps its form (and the text typed) even where replying is over.
    shown_form = reply_form if read.may_reply or (reply_form and reply_form.is_bound) else None
    post_fragments.attach(
        read.posts,
        thread=thread,
        tokens=fragment_tokens,
        page=read.page,
        moderator=read.moderator,
        reply_form=shown_form,
        load_full=(
            (lambda pks: selectors.posts_full(pks, moderator=read.moderator))
            if fragment_tokens is not None
            else None
        ),
    )
    return render(
        request, "forum/thread.html", _context(read, reply_form, shown_form, user), status=status
    )


def _context(read: selectors.ThreadPageRead, reply_form, shown_form, user) -> dict:
    context = {
        "event": read.board.event,
        "board": read.board,
        "thread": read.thread,
        "page": read.page,
        "posts": read.posts,
        "page_post_ids": {post.pk for post in read.posts},
        "first_new": read.first_new,
        "new_count": read.new_count,
        "moderator": read.moderator,
        "may_post": read.may_post,
        "reply_form": shown_form,
        "replying_to": None,
    }
    if reply_form is not None:
        context["replying_to"] = selectors.post_in_thread(
            thread=read.thread, pk=parse_pk(reply_form["in_reply_to"].value())
        )
    if read.follow_level is not None:
        context["follow_form"] = FollowForm(initial={"level": read.follow_level})
        context["follow_level"] = FOLLOW_LABELS.get(read.follow_level, read.follow_level)
    if read.move_targets is not None:
        context["move_form"] = MoveForm(boards=read.move_targets)
    context.update(share_context(thread=read.thread, user=user, moderator=read.moderator))
    return context


def _reply_initial(request, thread: Thread, moderator: bool) -> dict:
    """The reply box as "Répondre" or "Citer" leave it: answering a post, maybe quoting it."""
    initial = {"submission_key": new_submission_key()}
    quoted = selectors.post_in_thread(thread=thread, pk=parse_pk(request.GET.get("quote")))
    if quoted is not None and (moderator or not quoted.is_hidden):
        initial["in_reply_to"] = quoted.pk
        attribution = _("%(name)s a écrit :") % {"name": display_name(quoted.author)}
        initial["body"] = markdown_quote(quoted.body_markdown, attribution)
        return initial
    answered = selectors.post_in_thread(thread=thread, pk=parse_pk(request.GET.get("reply_to")))
    if answered is not None:
        initial["in_reply_to"] = answered.pk
    return initial


def _flag(request, name: str) -> bool:
    return request.POST.get(name) == "1"


@login_required
@require_POST
def thread_lock(request, pk: int):
    thread = thread_or_404(request, pk)
    locked = _flag(request, "locked")
    services.thread_lock(thread=thread, moderator=request.user, locked=locked)
    messages.success(
        request, _("Le fil est verrouillé.") if locked else _("Le fil est de nouveau ouvert.")
    )
    return redirect(thread)


@login_required
@require_POST
def thread_pin(request, pk: int):
    thread = thread_or_404(request, pk)
    pinned = _flag(request, "pinned")
    services.thread_pin(thread=thread, moderator=request.user, pinned=pinned)
    messages.success(
        request,
        _("Le fil est épinglé en tête du forum.") if pinned else _("Le fil n'est plus épinglé."),
    )
    return redirect(thread)


@login_required
@require_POST
def thread_move(request, pk: int):
    thread = thread_or_404(request, pk)
    if not can_moderate(request.user, thread.board):
        raise PermissionDenied(_("Seules l'animation et l'organisation peuvent faire cela."))
    targets = list(
        boards_moderated_by(request.user, thread.board.event).exclude(pk=thread.board_id)
    )
    form = MoveForm(request.POST, boards=targets)
    if not form.is_valid():
        messages.error(request, _("Choisissez un forum dans la liste."))
        return redirect(thread)
    target = next(board for board in targets if board.pk == form.cleaned_data["board"])
    try:
        services.thread_move(thread=thread, moderator=request.user, board=target)
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Le fil est déplacé dans « %(board)s ».") % {"board": target.title}
        )
    return redirect(thread)
