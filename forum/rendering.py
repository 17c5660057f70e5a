"""Markdown to safe HTML: markdown-it-py (CommonMark) then nh3 (ammonia) sanitising."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}}


def markdown_to_html(text: str) -> str:
    """Render Markdown; raw HTML is escaped and the result sanitised (no script, no
    event handlers, no javascript: URLs; links get rel="nofollow ugc noopener")."""
    return nh3.clean(
        _markdown.render(text or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


def markdown_quote(text: str, attribution: str) -> str:
    """`text` as a Markdown blockquote ("> " lines) under an attribution line, with a
    blank line after it for the answer: what "Citer" puts in the reply box."""
    lines = (text or "").replace("\r\n", "\n").strip().split("\n")
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
    return f"{attribution}\n\n{quoted}\n\n"
