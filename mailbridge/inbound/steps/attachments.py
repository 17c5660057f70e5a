"""attachments: the files of a message, kept under the data dir for its post.

What is kept: every leaf part that is not the message's text (text/plain or
text/html without a file name) and not a decoration of the HTML body (an image
inside multipart/related without `Content-Disposition: attachment`: logos and
signature images). A forwarded message (message/rfc822) is kept whole as `.eml`.

How it is named and typed, never trusting the sender:

- on disk, a random name under <data dir>/attachments/YYYY/MM/, never the sender's;
- shown, the sender's file name (RFC 2231 and RFC 2047 decoded by the email
  package), sanitised by `safe_filename`: no directory part (no path traversal),
  no control or bidi-override characters (no "invoice‮fdp.exe"), at most 150 chars;
- its type from its own first bytes and its extension, by our table: only a real
  JPEG, PNG, GIF or WebP is `is_inline_safe` (shown in the page); PDF and office
  files get their own type, served as downloads; anything else, and above all
  HTML, SVG, scripts and executables, is served as application/octet-stream, as a
  download, whatever the sender declared.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from forum.services import AttachmentDraft
from mailbridge.inbound.context import InboundContext, Outcome, clean

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 20
FILENAME_MAX = 150
OCTET_STREAM = "application/octet-stream"

INLINE_IMAGES = {  # magic bytes → type; only these are ever shown in the page
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"GIF87a": ("image/gif", ".gif"),
    b"GIF89a": ("image/gif", ".gif"),
}
DOCUMENTS = {  # extension → type served (as a download)
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".rtf": "application/rtf",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".eml": "message/rfc822",
    ".zip": "application/zip",
}
# Never more than a download, whatever their bytes say.
DANGEROUS_EXTENSIONS = {
    ".exe", ".com", ".bat", ".cmd", ".scr", ".pif", ".msi", ".dll", ".cpl", ".hta",
    ".js", ".mjs", ".jse", ".vbs", ".vbe", ".wsf", ".ps1", ".sh", ".jar", ".lnk",
    ".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".xml", ".php", ".py",
}  # fmt: skip
_UNSAFE_NAME = re.compile(r'[<>:"|?*/\\]')


def safe_filename(name: str | None, *, default_extension: str = "") -> str:
    """A file name fit to show and to put in Content-Disposition."""
    name = unicodedata.normalize("NFC", clean(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in ("C", "Z") or c == " ")
    name = _UNSAFE_NAME.sub("_", " ".join(name.split())).strip(" .")
    if not name:
        name = "piece-jointe" + default_extension
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: FILENAME_MAX - len(extension) - 1] + "." + extension
        else:
            name = name[:FILENAME_MAX]
    return name


def classify(data: bytes, filename: str) -> tuple[str, bool]:
    """(content type to serve, is_inline_safe) from the bytes and our own table."""
    extension = os.path.splitext(filename)[1].lower()
    for magic, (content_type, _ext) in INLINE_IMAGES.items():
        if data.startswith(magic):
            return content_type, extension not in DANGEROUS_EXTENSIONS
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", extension not in DANGEROUS_EXTENSIONS
    if extension in DANGEROUS_EXTENSIONS:
        return OCTET_STREAM, False
    if data.startswith(b"%PDF-"):
        return "application/pdf", False
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF") or data.startswith(b"#!"):
        return OCTET_STREAM, False
    return DOCUMENTS.get(extension, OCTET_STREAM), False


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


def attachments_root() -> Path:
    return Path(settings.INTERCOOP_ATTACHMENTS_DIR)


def file_write(data: bytes, extension: str) -> str:
    """Write `data` under a fresh random name; returns its path relative to the root."""
    now = timezone.now()
    relative = f"{now:%Y/%m}/{uuid.uuid4().hex}{extension}"
    target = attachments_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(target.suffix + ".part")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return relative


def files_remove(files: list[AttachmentDraft]) -> None:
    for item in files:
        try:
            (attachments_root() / item.path).unlink(missing_ok=True)
        except OSError:
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
        extension = os.path.splitext(filename)[1].lower()
        disk_extension = extension if re.fullmatch(r"\.[a-z0-9]{1,8}", extension) else ""
        kept.append(FilePart(filename, content_type, data, inline_safe, disk_extension))
    return kept, skipped


def file_keep(part: FilePart) -> AttachmentDraft:
    """Write `part` under the data dir; the draft of its attachment."""
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
