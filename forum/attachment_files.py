"""Files attached to posts: how a file is named, typed and written, never
trusting who sent it (forum.models.attachment). The mail pipeline's attachments step
(mailbridge/inbound/steps/attachments.py) and the library's uploads
(forum/services/library.py) both keep their files with these rules.

- stored as a random name YYYY/MM/<id> in the `attachments` storage (common/storage.py:
  under <data dir>/attachments/, or in the object store), never the sender's;
- shown, the sender's file name sanitised by `safe_filename`: no directory part (no
  path traversal), no control or bidi-override characters (no "invoice‮fdp.exe"),
  at most 150 characters;
- its type from its own first bytes and its extension, by our table: only a real
  JPEG, PNG, GIF or WebP is `is_inline_safe` (shown in the page); PDF and office
  files get their own type, served as downloads; anything else, and above all HTML,
  SVG, scripts and executables, is served as application/octet-stream, as a download.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone

from common.storage import file_storage


def clean(text: str) -> str:
    """Text fit for the database and for mail: no NUL, and no lone surrogate (what the email
    package makes of bytes that are not UTF-8) but U+FFFD in its place."""
    return (
        (text or "").encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace("\x00", "")
    )


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


def file_write(data: bytes, extension: str) -> str:
    """Store `data` under a fresh random name (durably: common/storage.py); its name."""
    relative = f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"
    file_storage("attachments").save(relative, ContentFile(data))
    return relative


def file_remove(path: str) -> None:
    """Delete a stored file (one a refused or failed write leaves behind)."""
    file_storage("attachments").delete(path)


def disk_extension(filename: str) -> str:
    """The extension a file is written with on disk: its own when it is a plain one."""
    extension = os.path.splitext(filename)[1].lower()
    return extension if re.fullmatch(r"\.[a-z0-9]{1,8}", extension) else ""
