"""The organisers' own texts in the reader's language: an event's name, tagline and
presentation, a session's title, subtitle and description, may be given in English
too (`<field>_en`); English readers see them when they exist, the French otherwise.
A session's board shows its session's title (the seed copies it)."""

from __future__ import annotations

from django.utils.translation import get_language

from forum.models import Board


def _english() -> bool:
    return (get_language() or "").startswith("en")


def shown(obj, field: str) -> str:
    """`obj.<field>` as the current reader sees it."""
    if obj is None:
        return ""
    if isinstance(obj, Board):
        session = obj.session if obj.session_id and Board.session.is_cached(obj) else None
        if field == "title" and session is not None and _english() and session.title_en:
            return session.title_en
        return getattr(obj, field)
    if _english():
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)
