"""Markdown to safe HTML: markdown-it-py (CommonMark) then nh3 (ammonia) sanitising."""

from __future__ import annotations

from html.parser import HTMLParser

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


class _TextOfHtml(HTMLParser):
    """The text of rendered post HTML, its quotes (blockquotes) kept apart."""

    BLOCKS = {"p", "br", "li", "tr", "td", "th", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.own: list[str] = []
        self.quoted: list[str] = []
        self.quote_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            self.quote_depth += 1
        elif tag in self.BLOCKS:
            self._out().append(" ")

    def handle_endtag(self, tag):
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.quoted.append(" ")
        elif tag in self.BLOCKS:
            self._out().append(" ")

    def handle_data(self, data):
        self._out().append(data)

    def _out(self) -> list[str]:
        return self.quoted if self.quote_depth else self.own


def html_to_text(html: str) -> str:
    """What a reader reads of a rendered post, as one line of plain text for an
    excerpt: no Markdown markers, no tags, spaces collapsed. Quoted passages are
    someone else's words and are left out, unless the post is nothing but a quote,
    which is then shown between « »."""
    parser = _TextOfHtml()
    parser.feed(html or "")
    parser.close()
    own = " ".join("".join(parser.own).split())
    if own:
        return own
    quoted = " ".join("".join(parser.quoted).split())
    return f"« {quoted} »" if quoted else ""
