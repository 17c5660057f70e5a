"""Reading what a person receives: a page as text, a mail from the outbox, its links."""

from __future__ import annotations

import html
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path


def page_text(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def outbox_messages(directory) -> list[EmailMessage]:
    """Every .eml in `directory`, oldest first, parsed as a mail client would."""
    files = sorted(Path(directory).glob("*.eml"))
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in files]


def body_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain", "html")).get_content()


def link_in(message: EmailMessage, path_fragment: str) -> str:
    """The first link in the message whose path contains `path_fragment`."""
    for url in re.findall(r"https?://[^\s<>\"]+", body_of(message)):
        if path_fragment in url:
            return url
    raise AssertionError(f"no link with {path_fragment!r} in:\n{body_of(message)}")


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(response) -> list[tuple[str, dict[str, str | None]]]:
    """(tag, attributes) of every element in the page, in order."""
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser.elements
