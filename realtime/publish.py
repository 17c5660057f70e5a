"""Domain events → live pushes. Subscribed in RealtimeConfig.ready(), run after commit.

For each forum event, the pushes it makes (which fragment, for which group, what to
do with it in the page) are listed here. After the forum's commit (so a rolled-back
post is never shown, and everything written with the post — its attachments —
is there to render), each push is rendered in the languages its group is read in
now (realtime.listening; other languages are rendered when a reader needs them,
realtime.fragments.event_html), numbered and stored in the catch-up store
(realtime.store), then sent to its group through the channel layer
(realtime.bridge): the thread's readers first. `data.committed_at`, the time the
handler started, right after the commit, is what bench/live.py measures from.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

from forum import events
from forum.models import Post, PostSource
from forum.selectors.boards import boards_sharing_openly
from forum.selectors.notes import NOTES_THREAD_TITLE, notes_thread_for_session
from forum.selectors.questionnaires import questionnaire_by_id
from realtime import bridge, fragments, listening, store
from realtime.coalesce import Coalescer
from realtime.groups import board_group, session_group, synthesis_group, thread_group
from realtime.store import Push

logger = logging.getLogger(__name__)

# What a browser does with a fragment (live.js implements each one).
APPEND = "append"  # add at the end of the container, or replace the element if present
PREPEND = "prepend"  # add at the start of the container, or replace
BUMP = "bump"  # move to the top of the container (after pinned rows), or add there
REPLACE = "replace"  # replace the element if the page shows it; otherwise nothing


def _push(kind: str, obj, *, group: str, op: str, subject: str = "", **data) -> Push:
    fragment = fragments.kind(kind)
    return Push(
        group=group,
        kind=kind,
        op=op,
        target=fragment.target(obj),
        container=fragment.container,
        html=fragments.render(kind, obj, listening.languages(group)),
        subject=subject,
        data=data,
    )


def _post_data(post: Post) -> dict:
    return {
        "post_id": post.pk,
        "post_number": post.number,
        "author_id": post.author_id,
        "url": post.get_absolute_url(),
    }


def _session_push(post: Post, *, created: bool) -> list[Push]:
    session = post.thread.board.session
    if session is None:
        return []
    # Only a thread with the notes' title can be the notes (the lookup is a query).
    notes = (
        notes_thread_for_session(session=session)
        if post.thread.title == NOTES_THREAD_TITLE
        else None
    )
    kind = "session.note" if notes is not None and notes.pk == post.thread_id else "session.latest"
    if created:
        op = APPEND if kind == "session.note" else PREPEND
    else:
        op = REPLACE
    return [
        _push(
            kind,
            post,
            group=session_group(session.pk),
            op=op,
            subject=f"post:{post.pk}",
            **_post_data(post),
        )
    ]


def on_post_created(
    *, post_id: int, new_thread: bool = False, post: Post | None = None, **_extra
) -> None:
    if post is not None and post.source == PostSource.IMPORT:
        return  # an archive's posts are no news: read on the page, never pushed
    send = _Sender()
    post = fragments.post_for_fragments(post_id, known=post)
    if post is None or post.source == PostSource.IMPORT:
        return
    send(
        _push(
            "thread.post",
            post,
            group=thread_group(post.thread_id),
            op=APPEND,
            subject=f"post:{post.pk}",
            **_post_data(post),
        )
    )
    send(*_session_push(post, created=True))
    # A new thread's row is pushed by thread_created; the row shows the thread with
    # this post as its last (fetched with the post: no second query).
    thread = None if new_thread else fragments.thread_of_post(post)
    if thread is not None:
        send(*_board_rows(thread, author_id=post.author_id))
    send.done()


def _board_rows(thread, **data) -> list[Push]:
    """The thread's row pushed to its home board and to the boards it is shared to
    whose readers may all read it (forum.selectors.boards_sharing_openly)."""
    boards = [thread.board_id, *boards_sharing_openly(thread=thread)]
    return [
        _push(
            "board.row", thread, group=board_group(board_id), op=BUMP, thread_id=thread.pk, **data
        )
        for board_id in boards
    ]


def _on_post_changed(post_id: int, kind_of_change: str) -> None:
    send = _Sender()
    post = fragments.post_for_fragments(post_id)
    if post is None:
        return
    # The fragments kept for catch-up are re-rendered first, in every language (none
    # is left to render later from a post that may change again): a replay after a
    # hide shows the placeholder, never the hidden text (nor an edit's earlier text).
    for event in store.events_about(f"post:{post.pk}"):
        event.html = fragments.render(event.kind, post)
        event.save(update_fields=["html"])
    send(
        _push(
            "thread.post",
            post,
            group=thread_group(post.thread_id),
            op=REPLACE,
            subject=f"post:{post.pk}",
            change=kind_of_change,
            **_post_data(post),
        )
    )
    send(*_session_push(post, created=False))
    send.done()


def on_post_edited(*, post_id: int, **_extra) -> None:
    _on_post_changed(post_id, "edited")


def on_post_hidden(*, post_id: int, **_extra) -> None:
    _on_post_changed(post_id, "hidden")


def on_thread_created(*, thread_id: int, **_extra) -> None:
    send = _Sender()
    thread = fragments.thread_for_fragments(thread_id)
    if thread is None:
        return
    send(*_board_rows(thread, author_id=thread.author_id, new_thread=True))
    send.done()


def on_session_state_changed(*, session_id: int, state: str = "", **_extra) -> None:
    send = _Sender()
    session = fragments.session_for_fragments(session_id)
    if session is None:
        return
    push = _push(
        "session.state",
        session,
        group=session_group(session.pk),
        op=REPLACE,
        state=session.state,
    )
    send(push)
    send.done()


def _projection_push(questionnaire) -> Push:
    return _push(
        "session.projection",
        questionnaire,
        group=session_group(questionnaire.session_id),
        op=REPLACE,
        questionnaire_id=questionnaire.pk,
    )


def on_questionnaire_answered(*, questionnaire_id: int, **_extra) -> None:
    """Coalesced (realtime.coalesce): at most one render of a questionnaire's synthesis
    per INTERCOOP_LIVE_SYNTHESIS_MS in a process, the state after the last answer
    always pushed."""
    synthesis_pushes.submit(questionnaire_id)


def synthesis_push(questionnaire_id: int) -> None:
    """The synthesis's figures and free texts, and the chart projected on the live
    page if one is: re-rendered whole from the answers committed now (a few grouped
    queries whatever the answers, but a render that grows with them)."""
    send = _Sender()
    questionnaire = questionnaire_by_id(pk=questionnaire_id)
    if questionnaire is None:
        return
    group = synthesis_group(questionnaire.session_id)
    for kind in ("synthesis.results", "synthesis.texts"):
        send(_push(kind, questionnaire, group=group, op=REPLACE, questionnaire_id=questionnaire.pk))
    if questionnaire.projected_question_id:
        send(_projection_push(questionnaire))
    send.done()


synthesis_pushes = Coalescer(synthesis_push, lambda: settings.INTERCOOP_LIVE_SYNTHESIS_MS / 1000)


def on_synthesis_projected(*, questionnaire_id: int, **_extra) -> None:
    send = _Sender()
    questionnaire = questionnaire_by_id(pk=questionnaire_id)
    if questionnaire is None:
        return
    send(_projection_push(questionnaire))
    send.done()


class _Sender:
    """Collects a handler's pushes as they are rendered; `done()` numbers and stores
    them in one transaction, then sends them together, in the order they came (the
    thread's readers first)."""

    def __init__(self):
        self.committed_at = time.time()
        self.pushes: list[Push] = []

    def __call__(self, *pushes: Push) -> None:
        for push in pushes:
            push.data["committed_at"] = self.committed_at
            self.pushes.append(push)

    def done(self) -> None:
        if self.pushes and not events.collect("realtime.pushes", self.pushes, _send):
            _send(self.pushes)


def _send(pushes: list[Push]) -> None:
    """Number and store `pushes` in one transaction, then send them in one hand-over:
    those of one handler, or of every write of a forum.events.batched() block."""
    recorded = store.record_many(pushes)
    try:
        bridge.group_send_many([(event.group, store.as_message(event)) for event in recorded])
    except Exception:
        # Stored all the same: browsers get them with the next push or on reconnect.
        logger.exception("live pushes %s not sent", [(e.group, e.seq) for e in recorded])
    for event in recorded:
        store.prune_when_due(event)


# Named dispatch: one handler per domain event, registered by RealtimeConfig.ready().
HANDLERS = {
    "post_created": on_post_created,
    "post_edited": on_post_edited,
    "post_hidden": on_post_hidden,
    "thread_created": on_thread_created,
    "session_state_changed": on_session_state_changed,
    "questionnaire_answered": on_questionnaire_answered,
    "synthesis_projected": on_synthesis_projected,
}


def subscribe() -> None:
    for name, handler in HANDLERS.items():
        events.subscribe(name, handler)
