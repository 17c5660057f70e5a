"""What makes a cached page out of date (see forum.page_cache).

Model signals rather than the domain events, so that every writer is covered: the
services, the mail pipeline, the admin and data fixes in a shell alike. Writes in bulk
(no signals) replace their tokens themselves: new posts (forum.services.posting, through
`posts_written`, whichever road they came by) and read marks (forum.services.reading).
Other apps whose rows show on a person's own pages register their models from their
AppConfig.ready() (`person_model_register`): the forum names none of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from forum import questionnaire_cache
from forum.models import (
    Attachment,
    Board,
    Choice,
    Event,
    Follow,
    Network,
    Post,
    Profile,
    Question,
    Questionnaire,
    ReadMark,
    Registration,
    Session,
    SessionSegment,
    Thread,
    ThreadShare,
)
from forum.page_cache import (
    SITE,
    board_scope,
    invalidate,
    reads_scope,
    synthesis_scope,
    thread_scope,
    user_scope,
)


def _thread_and_board(thread_id: int) -> list[str]:
    slug = Thread.objects.filter(pk=thread_id).values_list("board__slug", flat=True).first()
    scopes = [thread_scope(thread_id), *_shared_boards([thread_id])]
    return [*scopes, board_scope(slug)] if slug else scopes


def _shared_boards(thread_ids) -> list[str]:
    """The board pages that list these threads besides their home (ThreadShare)."""
    slugs = ThreadShare.objects.filter(thread_id__in=set(thread_ids)).values_list(
        "board__slug", flat=True
    )
    return [board_scope(slug) for slug in slugs]


def posts_written(posts: Iterable[Post]) -> None:
    """The pages showing `posts` just written in bulk: their threads' and boards',
    and those of the boards their threads are shared to."""
    posts = list(posts)
    scopes = [scope for post in posts for scope in _post_scopes(post)]
    invalidate([*scopes, *_shared_boards(post.thread_id for post in posts)])


def _post_changed(sender, instance: Post, **kwargs) -> None:
    invalidate(_post_scopes(instance))


def _post_scopes(post: Post) -> list[str]:
    # The post writers hand over comes with its thread, board loaded: no query then.
    thread = post.thread if Post.thread.is_cached(post) else None
    if thread is not None and Thread.board.is_cached(thread) and thread.pk == post.thread_id:
        return [thread_scope(thread.pk), board_scope(thread.board.slug)]
    return _thread_and_board(post.thread_id)


def _attachment_changed(sender, instance: Attachment, **kwargs) -> None:
    thread_id = Post.objects.filter(pk=instance.post_id).values_list("thread_id", flat=True).first()
    if thread_id is not None:
        invalidate(_thread_and_board(thread_id))


def _thread_changed(
    sender, instance: Thread, update_fields=None, created: bool = False, **kwargs
) -> None:
    if created:
        # A new thread shows on its board only (every thread_create, web or mail: the
        # whole site's pages would otherwise be thrown away for each one).
        board = instance.board if Thread.board.is_cached(instance) else None
        if board is not None:
            invalidate([thread_scope(instance.pk), board_scope(board.slug)])
        else:
            invalidate(_thread_and_board(instance.pk))
    elif update_fields is None or "board" in update_fields:
        # A move (or a save that may be one) changes two boards and the breadcrumbs.
        invalidate([SITE])
    else:
        invalidate(_thread_and_board(instance.pk))


def _site_changed(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # signing in shows nowhere on an anonymous page
    invalidate([SITE])


def _questionnaire_changed(sender, instance: Questionnaire, **kwargs) -> None:
    questionnaire_cache.changed(instance.pk)
    # Shared with participants or not, what is projected: the synthesis page's controls.
    slug = Session.objects.filter(pk=instance.session_id).values_list("slug", flat=True).first()
    if slug:
        invalidate([synthesis_scope(slug)])


def _question_changed(sender, instance: Question, **kwargs) -> None:
    questionnaire_cache.changed(instance.questionnaire_id)


def _choice_changed(sender, instance: Choice, **kwargs) -> None:
    # The options written with their question come with it: no query then.
    if Choice.question.is_cached(instance):
        questionnaire_id = instance.question.questionnaire_id
    else:
        questionnaire_id = (
            Question.objects.filter(pk=instance.question_id)
            .values_list("questionnaire_id", flat=True)
            .first()
        )
    if questionnaire_id is not None:  # else deleted with its question, which said so
        questionnaire_cache.changed(questionnaire_id)


def _person_changed(sender, instance, **kwargs) -> None:
    # A follow, a registration (role, status: what they may see, write, moderate),
    # what another app registered: shown on their own pages only.
    invalidate([user_scope(instance.user_id)])


def person_model_register(model) -> None:
    """Saving or deleting a row of `model` (which has a `user_id`) changes what that
    person's own pages show: their cached pages are replaced (idempotent)."""
    uid = f"page-cache-person-{model._meta.label}"
    post_save.connect(_person_changed, sender=model, dispatch_uid=uid)
    post_delete.connect(_person_changed, sender=model, dispatch_uid=f"{uid}-del")


def _read_mark_changed(sender, instance: ReadMark, **kwargs) -> None:
    invalidate([reads_scope(instance.user_id)])


def _facilitators_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """Session.facilitator_users: who moderates the session's board."""
    if action in ("post_add", "post_remove"):
        people = [instance.pk] if reverse else list(pk_set or ())
    elif action == "pre_clear":
        people = (
            [instance.pk]
            if reverse
            else list(instance.facilitator_users.values_list("pk", flat=True))
        )
    else:
        return
    invalidate([user_scope(pk) for pk in people])


def connect() -> None:
    for model, handler in (
        (Post, _post_changed),
        (Attachment, _attachment_changed),
        (Thread, _thread_changed),
    ):
        post_save.connect(handler, sender=model, dispatch_uid=f"page-cache-{model.__name__}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"page-cache-del-{model.__name__}")
    for model in (
        Board,
        Event,
        Session,
        SessionSegment,
        Network,
        ThreadShare,
        Profile,
        get_user_model(),
    ):
        uid = f"page-cache-site-{model._meta.label}"
        post_save.connect(_site_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_site_changed, sender=model, dispatch_uid=f"{uid}-del")
    for model in (Follow, Registration):
        person_model_register(model)
    post_save.connect(
        _questionnaire_changed, sender=Questionnaire, dispatch_uid="page-cache-questionnaire"
    )
    post_delete.connect(
        _questionnaire_changed, sender=Questionnaire, dispatch_uid="page-cache-questionnaire-del"
    )
    for model, handler in ((Question, _question_changed), (Choice, _choice_changed)):
        uid = f"questionnaire-cache-{model.__name__}"
        post_save.connect(handler, sender=model, dispatch_uid=uid)
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}-del")
    post_save.connect(_read_mark_changed, sender=ReadMark, dispatch_uid="page-cache-read-mark")
    post_delete.connect(
        _read_mark_changed, sender=ReadMark, dispatch_uid="page-cache-read-mark-del"
    )
    for through in (Network.referents.through, Network.themes.through):
        # Who moderates a network's board, and what its page lists.
        m2m_changed.connect(_site_changed, sender=through, dispatch_uid=f"page-cache-{through}")
    m2m_changed.connect(
        _facilitators_changed,
        sender=Session.facilitator_users.through,
        dispatch_uid="page-cache-facilitators",
    )
