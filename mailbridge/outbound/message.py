"""A post as list mail: built once per post, varied per recipient by splicing bytes.

`post_message_build(post)` makes ONE `EmailMessage` (policy SMTP: CRLF, RFC 2047
encoded words for French names and titles) holding everything every recipient
shares, serialises it once, and cuts it where the per-recipient parts go.
`PostMessage.for_recipient()` then joins bytes (outbound/splice.py): the To, Reply-To
and List-Unsubscribe headers, and the footer of each part in the recipient's language.
Building and serialising one `EmailMessage` per recipient costs far more than sending
the message (docs/fixed-points.md, "Python's email package"; docs/benchmarks.md, "Costs
behind the code"); splicing costs little more than the HMACs of the tokens.

Headers, and why:

- `From: "<author> via Intercoop" <slug@domain>`: the list's address, never the
  author's, so that DMARC alignment holds (RFC 7489); the name says who wrote.
- `Reply-To: reply+<token>@domain`: signed per recipient (mailbridge.tokens); a
  reply lands in the thread as that person.
- `Message-ID: <post-<id>@domain>`: stable, the same for every recipient, so a
  message sent twice is recognised as one by clients; `In-Reply-To` names the
  post answered (else the thread's first post) and `References` the chain from
  the thread's first post down to it (RFC 5322 §3.6.4).
- `Subject: [slug] <title>` on a thread's first post, `Re: [slug] <title>` on
  replies: Gmail and Outlook group by the subject with "Re:" stripped plus the
  references, so both forms thread; Thunderbird threads by References and, when
  those are missing (a forward, a digest reply), joins by subject only a subject
  starting with "Re:". "Re:" also matches what members' own replies look like.
- `List-Id` (RFC 2919), `List-Archive`, `List-Post`, `List-Unsubscribe` (RFC 2369)
  with an https URL and a mailto, and `List-Unsubscribe-Post:
  List-Unsubscribe=One-Click` (RFC 8058: the URL takes a POST, no login).
- `Precedence: list` and `X-Auto-Response-Suppress: OOF, AutoReply`: vacation
  responders stay quiet (RFC 3834 §2 honours Precedence; Exchange reads the
  second). Not "All", which would also suppress the non-delivery reports the
  bounce handling relies on.
- `X-Intercoop-Post: <id>`: the inbound pipeline (its `detect_loop` step) refuses
  mail carrying it, which breaks loops through a member's auto-forward.
- The envelope sender is `bounces+<token>@domain` (VERP), per delivery; it is not
  a header (the receiving server records it in Return-Path).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from forum.avatars import avatar_mail_html
from forum.models import Post
from mailbridge.addresses import board_address, board_list_slug
from mailbridge.outbound.splice import Spliced, quoted_printable, slot_name, url_around_token
from mailbridge.tokens import reply_address
from mailbridge.unsubscribe import unsubscribe_token, unsubscribe_url

SMTP_POLICY = policy.SMTP
MAX_REFERENCES = 20  # the first post plus the nearest ancestors (RFC 5322 §3.6.4 allows trimming)


@dataclass(frozen=True)
class Recipient:
    """Who one copy goes to: what the per-recipient parts need, nothing more."""

    user_id: int
    address: str
    language: str = ""


def message_id_for(post_id: int) -> str:
    return f"<post-{post_id}@{settings.INTERCOOP_MAIL_DOMAIN}>"


def list_address(slug: str, command: str = "") -> str:
    local = f"{slug}+{command}" if command else slug
    return f"{local}@{settings.INTERCOOP_MAIL_DOMAIN}"


def recipient_language(code: str | None) -> str:
    """The footer language: the person's profile language when we have it."""
    available = {language for language, _name in settings.LANGUAGES}
    code = (code or "").split("-")[0].lower()
    return code if code in available else settings.LANGUAGE_CODE


class PostMessage:
    """One post's message, serialised once; `for_recipient` splices the rest."""

    def __init__(
        self,
        *,
        post_id: int,
        board_id: int,
        slug: str,
        spliced: Spliced,
        footers: dict[str, tuple[str, str]],
        placeholder: str,
    ):
        self.post_id = post_id
        self.board_id = board_id
        self.slug = slug
        self._spliced = spliced
        self._footers = footers
        self._placeholder = placeholder
        self._unsubscribe_mailto = f"<mailto:{list_address(slug, 'unsubscribe')}>".encode()
        self._unsubscribe_around = url_around_token(
            lambda user_id: unsubscribe_url(user_id, board_id),
            lambda user_id: unsubscribe_token(user_id, board_id),
        )

    def unsubscribe_url(self, user_id: int) -> str:
        """mailbridge.unsubscribe.unsubscribe_url, without a URL reversal per recipient
        (reverse() was a large share of each recipient's copy: docs/benchmarks.md,
        "Costs behind the code")."""
        if self._unsubscribe_around is None:
            return unsubscribe_url(user_id, self.board_id)
        before, after = self._unsubscribe_around
        return before + unsubscribe_token(user_id, self.board_id) + after

    def for_recipient(self, recipient: Recipient) -> bytes:
        """The complete message (CRLF, ready for SMTP DATA) for one recipient."""
        url = self.unsubscribe_url(recipient.user_id)
        text_footer, html_footer = self._footers[recipient_language(recipient.language)]
        text_footer = text_footer.replace(self._placeholder, url)
        html_footer = html_footer.replace(self._placeholder, html.escape(url))
        to = recipient.address.encode("utf-8")  # raw UTF-8 only for SMTPUTF8 (RFC 6532)
        headers = b"".join(
            (
                b"To: ",
                to,
                b"\r\nReply-To: ",
                reply_address(recipient.user_id, self.post_id).encode("ascii"),
                # RFC 2369: the https URL first, then the mailto; folded between them.
                b"\r\nList-Unsubscribe: <",
                url.encode("ascii"),
                b">,\r\n ",
                self._unsubscribe_mailto,
                b"\r\n",
            )
        )
        return self._spliced.join(
            headers, (quoted_printable(text_footer), quoted_printable(html_footer))
        )


def _author_name(post: Post) -> str:
    profile = getattr(post.author, "profile", None)
    name = (profile.display_name if profile else "") or post.author.get_username()
    return " ".join(name.split())  # no CR/LF can reach a header


def _list_id(board) -> str:
    """RFC 2919: `phrase <slug.domain>`; the phrase as encoded words when not ASCII
    (the email package would leave a ":" of a French title bare in the phrase)."""
    label = f"<{board.slug}.{settings.INTERCOOP_MAIL_DOMAIN}>"
    title = " ".join(board.title.split())
    if title.isascii():
        phrase = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        phrase = Header(title, "utf-8", header_name="List-Id").encode(linesep="\r\n")
    return f"{phrase}\r\n {label}"


def _references(post: Post) -> list[str]:
    """Message-IDs from the thread's first post down to the post answered."""
    if post.number == 1:
        return []
    rows = Post.objects.filter(thread_id=post.thread_id).values_list(
        "pk", "number", "in_reply_to_id"
    )
    by_id = {pk: (number, parent) for pk, number, parent in rows}
    first = next((pk for pk, (number, _parent) in by_id.items() if number == 1), None)
    chain: list[int] = []
    current = post.in_reply_to_id or first
    while current is not None and current not in chain and len(chain) < MAX_REFERENCES:
        chain.append(current)
        number, parent = by_id.get(current, (None, None))
        current = parent if parent is not None else (first if number != 1 else None)
    chain.reverse()
    if first is not None and chain and chain[0] != first:
        chain.insert(0, first)
    return [message_id_for(pk) for pk in chain]


def _subscriptions_url() -> str:
    try:
        return settings.INTERCOOP_SITE_URL + reverse("mailbridge:subscriptions")
    except NoReverseMatch:
        return ""


def _footers(post: Post, placeholder: str) -> dict[str, tuple[str, str]]:
    """The text and HTML footers in each language, rendered once per post with a
    placeholder where each recipient's unsubscribe link goes.

    Their shape is the contract of mailbridge.inbound.footer_marker (a "-- " line,
    then a line naming Intercoop; an element of class "intercoop-footer" in HTML),
    so that the footer quoted back in a reply is recognised and left out.
    """
    board = post.thread.board
    context = {
        "thread_url": settings.INTERCOOP_SITE_URL + post.get_absolute_url(),
        "board_title": board.title,
        "unsubscribe_url": placeholder,
        "subscriptions_url": _subscriptions_url(),
    }
    footers = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            text = render_to_string("mail/post_footer.txt", context).strip("\n") + "\n"
            html_footer = render_to_string("mail/post_footer.html", context).strip() + "\n"
        footers[language] = (text, html_footer)
    return footers


def _author_html(post: Post) -> str:
    """Who wrote, as the pages show them: avatar, name, network (the HTML part)."""
    profile = getattr(post.author, "profile", None)
    network = getattr(profile, "network", None) if profile is not None else None
    avatar = avatar_mail_html(
        post.author,
        url=settings.INTERCOOP_SITE_URL
        + reverse("forum:avatar", kwargs={"user_id": post.author_id}),
    )
    name = html.escape(_author_name(post))
    where = f' <span style="color:#555">· {html.escape(network.name)}</span>' if network else ""
    return f'<p class="author">{avatar} <strong>{name}</strong>{where}</p>'


def post_message_build(post: Post) -> PostMessage:
    """Build `post`'s message once (post loaded with thread, board and author).

    What is left out here and added per recipient: To, Reply-To, List-Unsubscribe
    and the two footers.
    """
    thread = post.thread
    board = thread.board
    placeholder = slot_name()
    text_slot = f"TEXT{placeholder}"
    html_slot = f"HTML{placeholder}"

    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = Address(
        display_name=f"{_author_name(post)} via Intercoop", addr_spec=board_address(board)
    )
    prefix = f"[{board.slug}] "
    message["Subject"] = (prefix if post.number == 1 else "Re: " + prefix) + thread.title
    message["Date"] = format_datetime(post.created_at)
    message["Message-ID"] = message_id_for(post.pk)
    references = _references(post)
    if references:
        message["In-Reply-To"] = references[-1]
        message["References"] = " ".join(references)
    message.set_raw("List-Id", _list_id(board))
    message["List-Archive"] = f"<{settings.INTERCOOP_SITE_URL}{board.get_absolute_url()}>"
    # RFC 2369 §3.4: "NO" when the list takes no posts; sessions' and networks' lists do
    # (the general board is written on the web).
    message["List-Post"] = f"<mailto:{board_address(board)}>" if board.has_list else "NO"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Precedence"] = "list"
    message["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    message["X-Intercoop-Post"] = str(post.pk)

    body_text = post.body_text.replace("\r\n", "\n").rstrip()
    message.set_content(
        f"{body_text}\n\n{text_slot}\n", subtype="plain", charset="utf-8", cte="quoted-printable"
    )
    body_html = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
        f"{_author_html(post)}\n<div>{post.body_html}</div>\n{html_slot}\n</body></html>\n"
    )
    message.add_alternative(body_html, subtype="html", charset="utf-8", cte="quoted-printable")

    raw = message.as_bytes(policy=SMTP_POLICY)
    return PostMessage(
        post_id=post.pk,
        board_id=board.pk,
        slug=board_list_slug(board),
        spliced=Spliced(raw, (text_slot, html_slot)),
        footers=_footers(post, placeholder),
        placeholder=placeholder,
    )
