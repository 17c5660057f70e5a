"""A thread: reading it, replying, following it, and the moderators' lock, pin and move."""

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
from forum.errors import NotAllowed, UserError
from forum.models import FollowLevel, Post, Thread
from forum.page_cache import (
    cached_page,
    do_not_store,
    keep_at_most,
    reads_scope,
    thread_scope,
    versions,
)
from forum.permissions import board_rights, boards_moderated_by, can_moderate
from forum.rendering import markdown_quote
from forum.services.posts import can_edit, edit_window_end
from forum.templatetags.forum_extras import display_name
from forum.views.access import refusals_as_403, thread_or_404


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
        except NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except UserError as error:
            form.add_user_error(error)
        else:
            return redirect(post.get_absolute_url())
    # Back to the last page, under which the form is, with the errors beside the text.
    last_page = max(1, -(-thread.post_count // settings.INTERCOOP_POSTS_PER_PAGE))
    return _thread_page(request, thread, page_number=last_page, reply_form=form, status=400)


def _post_in(thread: Thread, pk: int | None) -> Post | None:
    if pk is None:
        return None
    return Post.objects.select_related("author__profile").filter(pk=pk, thread=thread).first()


def _thread_page(request, thread: Thread, *, page_number, reply_form=None, status=200):
    """Render a page of the thread. Every per-post decision is made here from values
    computed once, so the number of queries does not grow with the number of posts."""
    user = request.user
    board = thread.board
    signed_in = user.is_authenticated
    rights = board_rights(user, board)
    moderator, may_post = rights.moderate, rights.post
    fragment_tokens = post_fragments.tokens_for(thread)  # before the posts: see the module
    page = selectors.posts_page(
        thread=thread,
        user=user,
        page_number=page_number or 1,
        around_post=parse_pk(request.GET.get("post")),
        moderator=moderator,
        # With fragments from the cache, the page reads only the per-reader fields.
        light=fragment_tokens is not None,
    )
    posts = list(page.object_list)
    last_read = selectors.read_position(user=user, thread_id=thread.pk)  # 0 if anonymous
    for post in posts:
        post.editable = can_edit(user, post, moderator=moderator) and (
            moderator or not post.is_hidden
        )
    if signed_in and not moderator:
        # "Modifier" under the reader's own posts goes with time: the page leaves the
        # cache before the first of them closes.
        closing = [edit_window_end(post) for post in posts if post.editable]
        if closing:
            keep_at_most(request, (min(closing) - timezone.now()).total_seconds())
    first_new = (
        next((post for post in posts if post.number > last_read), None) if signed_in else None
    )
    if signed_in and posts and posts[-1].number > last_read:
        services.thread_mark_read(user=user, thread=thread, number=posts[-1].number)
        # Their next visit asks with the new position: this page would wait in vain.
        do_not_store(request)

    may_reply = may_post and (not thread.is_locked or moderator)
    if may_reply and reply_form is None:
        reply_form = ReplyForm(initial=_reply_initial(request, thread, moderator))
    replying_to = None
    if reply_form is not None:
        replying_to = _post_in(thread, parse_pk(reply_form["in_reply_to"].value()))

    # A refused reply keeps its form (and the text typed) even where replying is over.
    shown_form = reply_form if may_reply or (reply_form and reply_form.is_bound) else None
    post_fragments.attach(
        posts,
        thread=thread,
        tokens=fragment_tokens,
        page=page,
        moderator=moderator,
        reply_form=shown_form,
        load_full=(
            (lambda pks: selectors.posts_full(pks, moderator=moderator))
            if fragment_tokens is not None
            else None
        ),
    )
    context = {
        "event": board.event,
        "board": board,
        "thread": thread,
        "page": page,
        "posts": posts,
        "page_post_ids": {post.pk for post in posts},
        "first_new": first_new,
        "new_count": thread.post_count - last_read if first_new else 0,
        "moderator": moderator,
        "may_post": may_post,
        "reply_form": shown_form,
        "replying_to": replying_to,
    }
    if signed_in:
        level = selectors.follow_level_for(user=user, board=board, thread=thread)
        context["follow_form"] = FollowForm(initial={"level": level})
        context["follow_level"] = FOLLOW_LABELS.get(level, level)
    if moderator:
        targets = boards_moderated_by(user, board.event).exclude(pk=board.pk)
        context["move_form"] = MoveForm(boards=targets)
    return render(request, "forum/thread.html", context, status=status)


def _reply_initial(request, thread: Thread, moderator: bool) -> dict:
    """The reply box as "Répondre" or "Citer" leave it: answering a post, maybe quoting it."""
    initial = {"submission_key": new_submission_key()}
    quoted = _post_in(thread, parse_pk(request.GET.get("quote")))
    if quoted is not None and (moderator or not quoted.is_hidden):
        initial["in_reply_to"] = quoted.pk
        attribution = _("%(name)s a écrit :") % {"name": display_name(quoted.author)}
        initial["body"] = markdown_quote(quoted.body_markdown, attribution)
        return initial
    answered = _post_in(thread, parse_pk(request.GET.get("reply_to")))
    if answered is not None:
        initial["in_reply_to"] = answered.pk
    return initial


@login_required
@require_POST
def thread_follow(request, pk: int):
    thread = thread_or_404(request, pk)
    form = FollowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une option de suivi dans la liste."))
        return redirect(thread)
    level = form.cleaned_data["level"]
    try:
        with refusals_as_403():
            services.follow_set(user=request.user, thread=thread, level=level)
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Suivi de ce fil : %(level)s.") % {"level": FollowLevel(level).label}
        )
    return redirect(thread)


def _flag(request, name: str) -> bool:
    return request.POST.get(name) == "1"


@login_required
@require_POST
def thread_lock(request, pk: int):
    thread = thread_or_404(request, pk)
    locked = _flag(request, "locked")
    with refusals_as_403():
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
    with refusals_as_403():
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
        with refusals_as_403():
            services.thread_move(thread=thread, moderator=request.user, board=target)
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Le fil est déplacé dans « %(board)s ».") % {"board": target.title}
        )
    return redirect(thread)
