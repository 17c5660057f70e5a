"""attachments: the files of a message, kept for its post (common/storage.py).

What is kept: every leaf part that is not the message's text (text/plain or
text/html without a file name) and not a decoration of the HTML body (an image
inside multipart/related without `Content-Disposition: attachment`: logos and
signature images). A forwarded message (message/rfc822) is kept whole as `.eml`.

How it is named and typed, never trusting the sender: by the rules of
forum/attachment_files.py (the name shown is the sender's, RFC 2231 and RFC 2047
decoded by the email package, sanitised), whatever the sender declared.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from forum.attachment_files import (
    classify,
    disk_extension,
    file_remove,
    file_write,
    safe_filename,
)
from forum.services import AttachmentDraft
from mailbridge.inbound.context import InboundContext, Outcome

__all__ = ["classify", "file_write", "safe_filename", "step"]

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 20


def _leaves(message):
    """(part, inside multipart/related) for every leaf; message/rfc822 kept whole."""
    queue = [(message, False)]
    while queue:
        part, related = queue.pop(0)
        content_type = part.get_content_type()
        if content_type == "message/rfc822" and part is not message:
            yield part, related
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                inner = related or content_type == "multipart/related"
                queue[0:0] = [(child, inner) for child in payload]
            continue
        yield part, related


def _disposition(part) -> str:
    return (part.get_content_disposition() or "").lower()


def _is_body_or_decoration(part, related: bool) -> bool:
    content_type = part.get_content_type()
    has_name = bool(part.get_filename())
    if content_type in ("message/delivery-status", "text/rfc822-headers"):
        return True
    if (
        part.get_content_maintype() == "text"
        and not has_name
        and _disposition(part) != ("attachment")
    ):
        return True
    return related and _disposition(part) != "attachment"


def _payload(part) -> bytes | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
        return inner.as_bytes() if inner is not None else None
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else None


def files_remove(files: list[AttachmentDraft]) -> None:
    for item in files:
        try:
            file_remove(item.path)
        except Exception:  # noqa: BLE001 - an orphan file, not a lost message
            logger.warning("could not remove attachment file %s", item.path, exc_info=True)


@dataclass(frozen=True)
class FilePart:
    """A file of a message as it will be kept: its shown name, its type and bytes."""

    filename: str
    content_type: str
    data: bytes
    is_inline_safe: bool
    disk_extension: str


def file_parts(message) -> tuple[list[FilePart], list[str]]:
    """(the files of `message` to keep, by the rules above; what was skipped and why).
    Nothing is written: the inbound step writes them, and so does an archive import
    (mailbridge.bridge.importer), for the messages it posts."""
    kept: list[FilePart] = []
    skipped: list[str] = []
    for part, related in _leaves(message):
        if _is_body_or_decoration(part, related):
            continue
        if len(kept) >= MAX_ATTACHMENTS:
            skipped.append(f"more than {MAX_ATTACHMENTS} files")
            break
        try:
            data = _payload(part)
            declared_name = part.get_filename()
        except Exception as exc:  # noqa: BLE001 - an undecodable part is skipped, said so
            skipped.append(f"unreadable {part.get_content_type()} ({type(exc).__name__})")
            continue
        if not data:
            continue
        default_extension = ".eml" if part.get_content_type() == "message/rfc822" else ""
        filename = safe_filename(declared_name, default_extension=default_extension)
        content_type, inline_safe = classify(data, filename)
        kept.append(FilePart(filename, content_type, data, inline_safe, disk_extension(filename)))
    return kept, skipped


def file_keep(part: FilePart) -> AttachmentDraft:
    """Store `part` (common/storage.py); the draft of its attachment."""
    return AttachmentDraft(
        filename=part.filename,
        content_type=part.content_type,
        size=len(part.data),
        path=file_write(part.data, part.disk_extension),
        is_inline_safe=part.is_inline_safe,
    )


def step(ctx: InboundContext) -> Outcome:
    parts, skipped = file_parts(ctx.message)
    kept = [file_keep(part) for part in parts]
    ctx.attachments = kept
    if not kept and not skipped:
        return Outcome.go_on("no attachment")
    described = [
        f"{a.filename} ({a.content_type}{', inline' if a.is_inline_safe else ', download'})"
        for a in kept
    ]
    detail = f"kept {len(kept)}: {'; '.join(described)}" if kept else "kept none"
    if skipped:
        detail += f"; skipped {'; '.join(skipped)}"
    return Outcome.go_on(detail)
