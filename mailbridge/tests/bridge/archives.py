"""Small list archives written for the import's tests: mbox (mboxrd) and Mailman 2
pipermail files, message by message."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

LIST_ADDRESS = "reseau-coop@listes.exemple.coop"
LIST_ID = "reseau-coop.listes.exemple.coop"
START = datetime(2006, 3, 1, 9, 0, tzinfo=UTC)
FOOTER = (
    "\n_______________________________________________\n"
    f"reseau-coop mailing list\n{LIST_ADDRESS}\n"
    "http://listes.exemple.coop/mailman/listinfo/reseau-coop\n"
)


def mail(
    number: int,
    subject: str,
    body: str,
    *,
    refs: tuple[int, ...] = (),
    author: str = "Anne Martin <anne.martin@exemple.org>",
    date: str | None = None,
    message_id: str | None = None,
    extra: str = "",
) -> str:
    """Message `number` (its Message-ID `<n@exemple.org>`), answering `refs` (oldest first)."""
    when = START + timedelta(hours=number)
    headers = [
        f"From: {author}",
        f"To: {LIST_ADDRESS}",
        f"Subject: {subject}",
        f"Date: {date or format_datetime(when)}",
    ]
    if message_id is None:
        headers.append(f"Message-ID: <{number}@exemple.org>")
    elif message_id:
        headers.append(f"Message-ID: {message_id}")
    if refs:
        headers.append(f"In-Reply-To: <{refs[-1]}@exemple.org>")
        headers.append("References: " + " ".join(f"<{r}@exemple.org>" for r in refs))
    headers += [f"List-Id: <{LIST_ID}>", "MIME-Version: 1.0"]
    if extra:
        headers.append(extra)
    else:
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    return "\n".join(headers) + "\n\n" + body + FOOTER


def mbox(path: Path, *messages: str) -> Path:
    """An mboxrd file of `messages`: body lines starting with "From " quoted."""
    out = []
    for index, message in enumerate(messages):
        when = START + timedelta(hours=index)
        lines = [
            ">" + line if line.lstrip(">").startswith("From ") else line
            for line in message.split("\n")
        ]
        out.append(f"From anne.martin@exemple.org {when:%a %b %d %H:%M:%S %Y}\n")
        out.append("\n".join(lines).rstrip("\n") + "\n\n")
    path.write_text("".join(out), encoding="utf-8")
    return path


def pipermail(path: Path, entries: list[tuple[str, str, str, str, str]]) -> Path:
    """A pipermail month: (address, name, subject, message-id, text) each."""
    out = []
    for index, (address, name, subject, message_id, text) in enumerate(entries):
        when = START + timedelta(hours=index)
        hidden = address.replace("@", " at ")
        out.append(
            f"From {hidden}  {when:%a %b %d %H:%M:%S %Y}\n"
            f"From: {hidden} ({name})\n"
            f"Date: {format_datetime(when)}\n"
            f"Subject: {subject}\n"
            f"Message-ID: {message_id}\n\n{text}\n\n"
        )
    with gzip.open(path, "wb") as handle:
        handle.write("".join(out).encode("utf-8"))
    return path
