"""Reads of the forum core."""

from forum.selectors.boards import (
    board_by_slug,
    board_for_list,
    boards_for_event,
    boards_sharing_openly,
    follow_level_for,
    posts_full,
    posts_page,
    read_position,
    thread_by_id,
    thread_for_stream,
    threads_for_board,
    unread_numbers,
)
from forum.selectors.people import person_by_id, posts_by_person
from forum.selectors.programme import (
    event_current,
    networks_participating,
    registration_counts,
    registration_for,
    registrations_for_export,
    session_by_slug,
    sessions_for_event,
    sessions_of_person,
)
from forum.selectors.search import search_posts
from forum.selectors.threads import ThreadPageRead, post_in_thread, thread_page_read

__all__ = [
    "ThreadPageRead",
    "board_by_slug",
    "board_for_list",
    "boards_for_event",
    "boards_sharing_openly",
    "event_current",
    "follow_level_for",
    "networks_participating",
    "person_by_id",
    "post_in_thread",
    "posts_by_person",
    "posts_full",
    "posts_page",
    "read_position",
    "registration_counts",
    "registration_for",
    "registrations_for_export",
    "search_posts",
    "session_by_slug",
    "sessions_for_event",
    "sessions_of_person",
    "thread_by_id",
    "thread_for_stream",
    "thread_page_read",
    "threads_for_board",
    "unread_numbers",
]
