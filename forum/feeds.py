"""Atom feeds of a board, of a thread and of the library's entries
(django.contrib.syndication).

Only what the reader may see: a private session's board or thread answers 404 to
whoever cannot see it (a feed reader carries no session cookie, so in practice
private boards have no public feed), and hidden posts are never in a feed. Authors
are named by their display name; no email address is ever written.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from forum import selectors
from forum.permissions import can_see_board
from forum.selectors.library import library_entries_latest
from forum.selectors.published import (
    posts_latest_for_board,
    posts_latest_for_thread,
    thread_published,
)
from forum.serializers import author_name


class Atom1FeedWithContent(Atom1Feed):
    """Atom 1.0 with each entry's full text in <content type="html"> (RFC 4287,
    section 4.1.3), which Django's Atom1Feed does not write."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content") is not None:
            handler.addQuickElement("content", item["content"], {"type": "html"})


class PostFeed(Feed):
    """Posts as Atom entries. One instance per request (it keeps the request to
    make absolute links on the host the feed was asked on, as the API does)."""

    feed_type = Atom1FeedWithContent

    def __init__(self, request):
        self.request = request

    def _absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def feed_url(self):
        return self._absolute(self.request.path)

    def item_title(self, post):
        # Atom titles are plain text: written as they are (the XML writer escapes).
        if post.number > 1:
            return _("Re: %(title)s") % {"title": post.thread.title}
        return post.thread.title

    def item_link(self, post):
        return self._absolute(post.get_absolute_url())

    def item_description(self, post):
        return None  # the full text goes in <content>, not in <summary>

    def item_extra_kwargs(self, post):
        return {"content": post.body_html}  # sanitised when the post was written

    def item_author_name(self, post):
        return author_name(post.author)

    def item_pubdate(self, post):
        return post.created_at

    def item_updateddate(self, post):
        return post.edited_at or post.created_at


class BoardFeed(PostFeed):
    """The latest visible posts of a board, newest first."""

    def get_object(self, request, slug: str):
        board = selectors.board_by_slug(slug=slug)
        if board is None or not can_see_board(request.user, board):
            raise Http404("no such board")
        return board

    def title(self, board):
        return board.title

    def subtitle(self, board):
        return _("Les derniers messages du forum « %(board)s »") % {"board": board.title}

    def link(self, board):
        return self._absolute(board.get_absolute_url())

    def items(self, board):
        return posts_latest_for_board(board=board)


class ThreadFeed(PostFeed):
    """The latest visible posts of a thread, newest first."""

    def get_object(self, request, pk: int):
        thread = thread_published(pk=pk, reader=request.user)
        if thread is None:
            raise Http404("no such thread")
        return thread

    def title(self, thread):
        return thread.title

    def subtitle(self, thread):
        return _("Les messages du fil « %(thread)s »") % {"thread": thread.title}

    def link(self, thread):
        return self._absolute(thread.get_absolute_url())

    def items(self, thread):
        return posts_latest_for_thread(thread=thread)


class LibraryFeed(Feed):
    """The latest entries of the library shown (none hidden), newest first: each with
    its description, link, licence and networks as its content."""

    feed_type = Atom1FeedWithContent

    def __init__(self, request):
        self.request = request

    def _absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def title(self):
        return _("Bibliothèque d'outils et de méthodes")

    def subtitle(self):
        return _("Les dernières fiches de la bibliothèque d'Intercoop")

    def link(self):
        return self._absolute(reverse("forum:library"))

    def feed_url(self):
        return self._absolute(self.request.path)

    def items(self):
        return library_entries_latest(limit=LIBRARY_FEED_ENTRIES)

    def item_title(self, entry):
        return entry.title

    def item_link(self, entry):
        return self._absolute(entry.get_absolute_url())

    def item_description(self, entry):
        return None  # the full text goes in <content>

    def item_extra_kwargs(self, entry):
        file_url = self._absolute(entry.file.get_absolute_url()) if entry.file else ""
        context = {"entry": entry, "file_url": file_url}
        return {"content": render_to_string("forum/library/_feed_content.html", context)}

    def item_author_name(self, entry):
        return author_name(entry.proposed_by) if entry.proposed_by else None

    def item_pubdate(self, entry):
        return entry.created_at

    def item_updateddate(self, entry):
        return entry.updated_at

    def item_categories(self, entry):
        return [tag.name for tag in entry.tags.all()]


LIBRARY_FEED_ENTRIES = 30


def library_feed(request):
    return LibraryFeed(request)(request)


def board_feed(request, slug: str):
    return BoardFeed(request)(request, slug=slug)


def thread_feed(request, pk: int):
    return ThreadFeed(request)(request, pk=pk)
