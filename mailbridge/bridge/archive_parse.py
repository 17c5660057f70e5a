"""One archived message read for the import: what its post needs, and what was
wrong with it, with no database (it runs in a pool of processes).

What a post needs is read as for a message the bridge receives live
(mailbridge.bridge.ingest.list_message_read: the real author behind the list's
DMARC rewriting, the text without the list's footer nor the quoted history), the
files by the inbound attachments step's rules (`file_parts`), the title as a mail
subject becomes one (create_post.clean_subject). The import adds what the live
bridge never needs: the date written on the message (repaired when it is
malformed, else the `From ` line's), its key (the Message-ID, else the digest of its
bytes, as deduplicate keys it), whether its subject says it answers something (the
subject fallback of mailbridge.bridge.importer), whom its quoted attribution line
names, and the problems found, said with the message's position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from types import SimpleNamespace

from forum.errors import UserError
from forum.rendering import markdown_to_html
from forum.services.posting import clean_body
from mailbridge.bridge.archive import RawMessage
from mailbridge.bridge.ingest import list_message_read
from mailbridge.inbound.body import header_text
from mailbridge.inbound.identity import MSGID, post_key_from
from mailbridge.inbound.parsed import parse_bytes
from mailbridge.inbound.steps.attachments import FilePart, file_parts
from mailbridge.inbound.steps.create_post import clean_subject

# "Re:", "RE :", "Réf. :", "TR :", "Fwd:", possibly after the list's "[tag]".
_REPLY = re.compile(
    r"^\s*(?:\[[^\]]{0,80}\]\s*)*(?:re|r|aw|antw|rif|ref|réf|tr|fwd?|fw|wg|rv|enc)\.?"
    r"\s*(?:\[\d+\]|\^\d+|\(\d+\))?\s*:",
    re.IGNORECASE,
)
# "Le 05/09/2005 10:22, Anne Martin a écrit :", "On Mon, Sep 5, 2005 at 10:22, Anne wrote:"
_ATTRIBUTION = re.compile(
    r"^(?:le|on)\s.*,\s*(?P<name>[^,\n]+?)\s+(?:a\s+écrit|wrote)\s*:\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_RFC_DATE = re.compile(  # RFC 5322 §3.3, with the obsolete zone names and a comment
    r"^\s*(?:[A-Z][a-z]{2},\s*)?\d{1,2}\s+[A-Z][a-z]{2}\s+\d{2,4}\s+\d{1,2}:\d\d(?::\d\d)?"
    r"\s+(?:[+-]\d{4}|[A-Z]{1,3})(?:\s*\(.*\))?\s*$"
)
_ZONE_NAME = re.compile(r"\b(?:GMT|UTC|UT)\s*(?=[+-]\d)", re.IGNORECASE)
_ZONE_COLON = re.compile(r"([+-]\d\d):(\d\d)\b")
_PIPERMAIL_PART = re.compile(
    r"\n-{10,} next part -{10,}\n(?:.*\n){0,8}?(?:URL|Url)\s*:\s*(?P<url>\S+)[^\n]*",
)
_PIPERMAIL_NAME = re.compile(r"^Name:\s*(?P<name>.+)$", re.MULTILINE)


@dataclass
class ArchiveMessage:
    position: str
    key: str  # the Message-ID, else "sha256:<digest of the bytes>"
    message_id: str
    referenced: list[str]  # Message-IDs answered, nearest first
    title: str
    subject_key: str  # the title, case folded: the subject fallback's key
    is_reply: bool  # its subject says it answers ("Re:", "TR :"…)
    date: datetime | None
    author_address: str
    author_name: str
    body: str
    quoted_name: str = ""  # whom its attribution line says it answers
    files: list[FilePart] = field(default_factory=list)
    html: str = ""  # the body rendered as the forum renders it (PostDraft.html)
    problems: list[str] = field(default_factory=list)
    done_bytes: int = 0  # of its file read when it was (the progress line)


def message_date(value: str, envelope: str) -> tuple[datetime | None, str]:
    """(the message's date, "" or the problem met): the Date header, else the same
    repaired ("GMT+00:00"), else the date of its `From ` line (UTC)."""
    for attempt in (value, _ZONE_COLON.sub(r"\1\2", _ZONE_NAME.sub("", value or ""))):
        try:
            date = parsedate_to_datetime(attempt)
        except (TypeError, ValueError, IndexError):
            continue
        if date is None:
            continue
        date = date if date.tzinfo else date.replace(tzinfo=UTC)
        if attempt == value and _RFC_DATE.match(value):
            return date, ""
        return date, f"malformed date {value!r} read as {date.isoformat()}"
    try:
        stamp = " ".join(envelope.split()[-5:])
        date = datetime.strptime(stamp, "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        return None, f"no readable date ({value!r})"
    return date, f"date {value!r} unreadable: the 'From ' line's {date.isoformat()} taken"


def _defects(message) -> list[str]:
    names = set()
    for part in message.walk():
        names.update(type(defect).__name__ for defect in part.defects)
    return sorted(names)


def _scrubbed(body: str) -> tuple[str, list[tuple[str, str]]]:
    """pipermail's "next part" notices taken out of the text: (text, [(name, url)])."""
    found = []

    def keep(match):
        named = _PIPERMAIL_NAME.search(match.group(0))
        found.append((named.group("name").strip() if named else "", match.group("url")))
        return ""

    return _PIPERMAIL_PART.sub(keep, body), found


def _rendered(body: str) -> str:
    """The body's HTML, rendered here, in the parsing process, as posts_create would."""
    try:
        return markdown_to_html(clean_body(body))
    except UserError:
        return ""  # empty or too long: posts_create says so


def _name_in(header: str, address: str) -> str:
    for name, found in getaddresses([header]):
        if found.lower() == address and name:
            return name.strip()
    return ""


def archived_read(raw: RawMessage, *, list_address: str, list_name: str) -> ArchiveMessage:
    """What the import needs of `raw`; never raises for what a message holds."""
    problems = list(raw.problems)
    message = parse_bytes(raw.raw)
    shape = SimpleNamespace(list_address=list_address, network=SimpleNamespace(name=list_name))
    read = list_message_read(message, shape)
    defects = _defects(message)
    if defects:
        problems.append("broken MIME (" + ", ".join(defects) + "), read as far as it goes")
    if read.text_note:
        problems.append("text: " + read.text_note)
    written_id = header_text(message, "Message-ID").strip()
    if not written_id:
        problems.append("no Message-ID: known by the digest of its bytes")
    elif not MSGID.fullmatch(written_id):
        problems.append(f"Message-ID {written_id[:80]!r} read as {read.message_id[:80]!r}")
    written_date = next((str(v) for k, v in message.raw_items() if k.lower() == "date"), "")
    date, date_problem = message_date(" ".join(written_date.split()), raw.envelope)
    if date_problem:
        problems.append(date_problem)
    files, skipped = file_parts(message)
    problems += [f"attachment skipped: {reason}" for reason in skipped]
    body, scrubbed = read.body, []
    if raw.pipermail:
        body, scrubbed = _scrubbed(body)
    body = body.strip() or read.original_text.strip()
    if scrubbed:  # the files the archive kept apart, as links
        body += "\n\n" + "\n".join(f"[{name or url}]({url})" for name, url in scrubbed)
    if not body.strip() and files:
        body = ", ".join(part.filename for part in files)
    if not read.author.address:
        problems.append("no author address")
    author_name = read.author.name
    if "\ufffd" in author_name:  # raw 8-bit in the header, as old archives hold
        author_name = _name_in(header_text(message, "From"), read.author.address) or author_name
    subject = read.subject
    title = clean_subject(subject)
    quoted = _ATTRIBUTION.search(read.original_text or "")
    return ArchiveMessage(
        position=raw.position,
        key=post_key_from(read.message_id, raw.raw),
        message_id=read.message_id,
        referenced=read.referenced,
        title=title,
        subject_key=title.casefold(),
        is_reply=bool(_REPLY.match(subject)),
        date=date,
        author_address=read.author.address,
        author_name=author_name,
        body=body,
        quoted_name=quoted.group("name").strip().strip("'\"") if quoted else "",
        html=_rendered(body),
        files=files,
        problems=problems,
    )
