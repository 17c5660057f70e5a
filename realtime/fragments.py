"""Server-rendered fragments: the very templates the pages include, rendered once per
language for a reader with no per-person controls.

A fragment kind names a template, the element id it targets, how to build its
context from a forum object, and how to read that object again from a stored push.
The pages include the same templates in their loops (`forum/_post.html`,
`forum/_thread_row.html`, `realtime/_latest_post.html`, `realtime/_session_state.html`),
so a live update and a reload show the same HTML.
Moderator controls (hide, history, edit) are per person: they appear on reload.

A push is rendered at commit in the languages its group is read in
(realtime.listening); `event_html` renders a language a push lacks when a reader
needs it, from the object as it is then (a post hidden since shows as hidden).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import translation

from forum.models import Post, Questionnaire, Session, Thread
from forum.selectors.questionnaires import questionnaire_by_id
from forum.selectors.synthesis import figures_for_question, synthesis_of, texts_of
from forum.selectors.testimonies import published_testimony
from realtime.groups import group_pk


@dataclass(frozen=True)
class FragmentKind:
    name: str
    template: str
    container: str
    target: Callable[[Any], str]
    context: Callable[[Any], dict[str, Any]]
    # The object again, from a push's data and group; None when it is gone.
    load: Callable[[dict[str, Any], str], Any]


def _post_context(post: Post, *, with_reply_links: bool) -> dict[str, Any]:
    # "Répondre" and "Citer" are links every reader who may reply sees; live.js
    # removes them on a page that has no reply form (a reader who may not reply).
    # They point at the page of the thread that holds the post.
    page_number = (post.number - 1) // settings.INTERCOOP_POSTS_PER_PAGE + 1
    return {
        "post": post,
        "thread": post.thread,
        "page": SimpleNamespace(number=page_number),
        "page_post_ids": set(),
        "first_new": None,
        "moderator": False,
        "reply_form": with_reply_links,
    }


def _thread_row_context(thread: Thread) -> dict[str, Any]:
    thread.unread_count = 0  # per reader: live.js marks rows that change as unread
    return {"thread": thread}


def projection_context(questionnaire: Questionnaire | None) -> dict[str, Any]:
    """What the facilitators show on the session's live page: one chart
    (`projection`) or one published testimony (`projected_testimony`), or nothing."""
    question_id = questionnaire.projected_question_id if questionnaire else None
    testimony_id = questionnaire.projected_testimony_id if questionnaire else None
    figures = (
        figures_for_question(questionnaire=questionnaire, question_id=question_id)
        if question_id
        else None
    )
    testimony = (
        published_testimony(session=questionnaire.session, testimony_id=testimony_id)
        if testimony_id
        else None
    )
    return {"projection": figures, "projected_testimony": testimony}


def _questionnaire_of(data: dict[str, Any]) -> Questionnaire | None:
    return questionnaire_by_id(pk=data["questionnaire_id"])


KINDS: dict[str, FragmentKind] = {
    kind.name: kind
    for kind in (
        FragmentKind(
            name="thread.post",
            template="forum/_post.html",
            container="posts",
            target=lambda post: f"post-{post.pk}",
            context=lambda post: _post_context(post, with_reply_links=True),
            load=lambda data, group: post_for_fragments(data["post_id"]),
        ),
        FragmentKind(
            name="board.row",
            template="forum/_thread_row.html",
            container="threads",
            target=lambda thread: f"thread-{thread.pk}",
            context=_thread_row_context,
            load=lambda data, group: thread_for_fragments(data["thread_id"]),
        ),
        FragmentKind(
            name="session.note",
            template="forum/_post.html",
            container="notes",
            target=lambda post: f"post-{post.pk}",
            context=lambda post: _post_context(post, with_reply_links=False),
            load=lambda data, group: post_for_fragments(data["post_id"]),
        ),
        FragmentKind(
            name="session.latest",
            template="realtime/_latest_post.html",
            container="latest",
            target=lambda post: f"latest-post-{post.pk}",
            context=lambda post: {"post": post},
            load=lambda data, group: post_for_fragments(data["post_id"]),
        ),
        FragmentKind(
            name="session.state",
            template="realtime/_session_state.html",
            container="",
            target=lambda session: "session-state",
            context=lambda session: {"session": session},
            load=lambda data, group: session_for_fragments(group_pk(group)),
        ),
        FragmentKind(
            name="synthesis.results",
            template="forum/synthesis/_results.html",
            container="",
            target=lambda questionnaire: "synthesis-results",
            context=lambda questionnaire: {"synthesis": synthesis_of(questionnaire=questionnaire)},
            load=lambda data, group: _questionnaire_of(data),
        ),
        FragmentKind(
            name="synthesis.texts",
            template="forum/synthesis/_texts.html",
            container="",
            target=lambda questionnaire: "synthesis-texts",
            context=lambda questionnaire: {
                "text_answers": texts_of(questionnaire=questionnaire),
                "texts_filtered": False,
            },
            load=lambda data, group: _questionnaire_of(data),
        ),
        FragmentKind(
            name="session.projection",
            template="realtime/_projection.html",
            container="",
            target=lambda questionnaire: "session-projection",
            context=projection_context,
            load=lambda data, group: _questionnaire_of(data),
        ),
    )
}


def kind(name: str) -> FragmentKind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown fragment kind {name!r}; known: {sorted(KINDS)}") from None


def site_languages() -> tuple[str, ...]:
    return tuple(code for code, _label in settings.LANGUAGES)


def render(name: str, obj, languages: Iterable[str] | None = None) -> dict[str, str]:
    """The fragment `name` for `obj`, in `languages` of the site's (all by default);
    nothing is built for no language."""
    wanted = [code for code in site_languages() if languages is None or code in languages]
    if not wanted:
        return {}
    fragment = kind(name)
    rendered = {}
    for code in wanted:
        with translation.override(code):
            # Built in the language: a synthesis's labels ("oui", an option's English).
            rendered[code] = render_to_string(fragment.template, fragment.context(obj)).strip()
    return rendered


def event_html(message: dict[str, Any], language: str) -> str | None:
    """The fragment of a push (a realtime.store message) in `language`: as stored, or
    rendered now from its object when the push was stored without that language
    (nobody read it then). A language the site does not have falls back to the
    site's own. None when the object is gone (nothing to show)."""
    if language not in site_languages():
        language = settings.LANGUAGE_CODE
    stored = (message.get("html") or {}).get(language)
    if stored is not None:
        return stored
    fragment = kind(message["kind"])
    obj = fragment.load(message.get("data") or {}, message["group"])
    if obj is None:
        return None
    return render(message["kind"], obj, [language])[language]


def post_for_fragments(post_id: int, *, known: Post | None = None) -> Post | None:
    """A post with everything its fragments show, and its thread's row.

    `known` is the post as its writer just made it (forum.services.posts_create hands
    it over with its thread as written, board, session and author loaded, and its
    attachments): rendered from as it is, its attachments read when the writer did not
    say which.
    Otherwise two short queries rather than one join of a dozen tables (the planner's
    time on such a join was most of the cost of a live push); the answered post and
    the person who hid it, when there are, come with a query each."""
    if known is not None and known.pk == post_id and Post.thread.is_cached(known):
        if not hasattr(known, "prefetched_attachments"):
            known.prefetched_attachments = list(known.attachments.all())
        return known
    post = (
        Post.objects.select_related("author__profile__network")
        .prefetch_related(Prefetch("attachments", to_attr="prefetched_attachments"))
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        return None
    post.thread = (
        Thread.objects.select_related("board__session", "author__profile")
        .filter(pk=post.thread_id)
        .first()
    )
    if post.in_reply_to_id is not None:
        post.in_reply_to = (
            Post.objects.select_related("author__profile").filter(pk=post.in_reply_to_id).first()
        )
    return post


def thread_for_fragments(thread_id: int) -> Thread | None:
    return (
        Thread.objects.select_related(
            "board__session", "author__profile", "last_post__author__profile"
        )
        .filter(pk=thread_id)
        .first()
    )


def thread_of_post(post: Post) -> Thread:
    """`post`'s thread as its board row shows it, from what post_for_fragments fetched;
    the row's last post is `post` when it is the thread's latest (as after posts_create)."""
    thread = post.thread
    if thread.last_post_id == post.pk:
        thread.last_post = post
        return thread
    return thread_for_fragments(thread.pk) or thread


def session_for_fragments(session_id: int) -> Session | None:
    return Session.objects.select_related("event").filter(pk=session_id).first()
