"""A list's archive imported into its network's board (`intercoop import-mbox`).

The files are read in order (mailbridge.bridge.archive), each message parsed in a
pool of processes (mailbridge.bridge.archive_parse, the bridge's own reading of a
list message), then written batch after batch, one transaction each, by
forum.services.archive (posts_create, as `PostSource.IMPORT`: no mail, no live
push). A batch:

- leaves out what the board holds already: the same key (Message-ID, else the
  digest of the bytes) as one of its posts, or as an earlier message of this
  import; so importing twice adds nothing, and a crash is mended by running again;
- threads each message as the bridge does (mailbridge.bridge.threading): the
  nearest message it names in In-Reply-To / References, in this batch or in the
  board; when it names none that is known, and its subject says it answers
  ("Re:"), the newest message of the same subject within SUBJECT_WINDOW, the one
  its attribution line names ("Le …, Anne a écrit :") when there is one; else a
  thread of its own, an orphan when it named messages, which joins its parent's
  thread when that comes, in this import or a later one (`orphans_attach`);
- credits each message to its real author (`author_account`): the member whose
  verified address it is, else that address's guest.

While it runs the board is read by its moderators only (forum.services.archive:
a lease, renewed every batch, so a crashed import hides it no longer once the
lease lapses). A message that cannot be read, or that the forum refuses, is
reported with its position and left out; the others go on.
"""

from __future__ import annotations

import functools
import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db import connections, transaction
from django.utils import timezone

from forum.models import Board, Post
from forum.services.archive import (
    ArchiveDraft,
    archive_posts_write,
    board_import_hold,
    board_import_release,
)
from forum.services.guests import guest_authors_for, normalised_address
from mailbridge.bridge.archive import RawMessage, archive_messages
from mailbridge.bridge.archive_parse import ArchiveMessage, archived_read
from mailbridge.bridge.ingest import author_account
from mailbridge.bridge.senders import Author
from mailbridge.bridge.threading import board_posts_named, bridged_records, orphans_attach
from mailbridge.inbound.people import person_for_address
from mailbridge.inbound.steps.attachments import file_keep, files_remove
from mailbridge.models import BridgedMessage, ListBridge

BATCH = 500
SUBJECT_WINDOW = timedelta(days=3)
SUBJECT_KEPT = 50  # recent messages remembered per subject
LEASE_RENEW_SECONDS = 30


class ImportRefused(Exception):
    """The import cannot start (no bridge registered for the network)."""


@dataclass
class ImportReport:
    messages: int = 0
    new: int = 0
    duplicates: int = 0
    orphans: int = 0  # opened a thread of their own, waiting for the message they answer
    attached: int = 0  # orphans that joined their parent's thread
    by_subject: int = 0  # threaded by the subject fallback
    skipped: int = 0  # unreadable, or refused by the forum
    problems: list[tuple[str, str]] = field(default_factory=list)  # (position, problem)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def _read(raw: RawMessage, *, list_address: str, list_name: str) -> ArchiveMessage | RawMessage:
    """In a pool process: the message read, or `raw` itself with why it could not be."""
    try:
        message = archived_read(raw, list_address=list_address, list_name=list_name)
    except Exception as exc:  # noqa: BLE001 - one unreadable message stops nothing
        raw.problems.append(f"unreadable ({type(exc).__name__}: {exc}), left out")
        raw.raw = b""
        return raw
    message.done_bytes = raw.done_bytes
    return message


def _messages(paths: list[Path], bridge: ListBridge, workers: int) -> Iterator:
    raws = (raw for path in paths for raw in archive_messages(path))
    read = functools.partial(_read, list_address=bridge.list_address, list_name=bridge.network.name)
    if workers <= 1:
        yield from map(read, raws)
        return
    connections.close_all()  # the children must not share the parent's connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(read, raws, chunksize=16)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def archive_import(
    *,
    network,
    paths: list[Path],
    dry_run: bool = False,
    workers: int = 1,
    batch_size: int = BATCH,
    on_batch: Callable[[ImportReport, int], None] | None = None,
) -> ImportReport:
    """Import the archive files `paths` into `network`'s board; with `dry_run`,
    only count what would be new, duplicate or orphan. `on_batch(report,
    done_bytes)` is called after each batch (the progress line)."""
    bridge = ListBridge.objects.select_related("network").filter(network=network).first()
    if bridge is None:
        raise ImportRefused(
            f"the network {network.slug} has no bridge to its list: register the list's "
            "address and List-Id on the network's bridge page first"
        )
    board = Board.objects.select_related("event", "session").get(network=network)
    run = _Run(bridge=bridge, board=board, dry_run=dry_run)
    started = time.monotonic()
    if not dry_run:
        with transaction.atomic():
            board_import_hold(board=board)
    try:
        for batch in _batches(_messages(paths, bridge, workers), batch_size):
            run.batch(batch)
            run.report.seconds = time.monotonic() - started
            if on_batch is not None:
                on_batch(run.report, getattr(batch[-1], "done_bytes", 0))
    finally:
        if not dry_run:
            with transaction.atomic():
                board_import_release(board=board)
    run.report.seconds = time.monotonic() - started
    return run.report


class _Run:
    def __init__(self, *, bridge: ListBridge, board: Board, dry_run: bool):
        self.bridge, self.board, self.dry_run = bridge, board, dry_run
        self.report = ImportReport()
        self.seen: set[str] = set()  # keys of this import's messages
        self.counted: set[str] = set()  # a dry run's: those it would have posted so far
        self.authors: dict[str, object] = {}
        # subject key → [(date, author's name, ("post", pk) | ("key", key))], oldest first
        self.recent: dict[str, list] = defaultdict(list)
        self.last_date = None
        self.held_at = time.monotonic()

    def batch(self, items: list) -> None:
        fresh = self._fresh(items)
        if not fresh:
            return
        if not self.dry_run:
            self._authors_find(fresh)
        wanted = {ref for item in fresh for ref in item.referenced} - {i.key for i in fresh}
        known = board_posts_named(self.board, list(wanted)) if wanted else {}
        earlier = self._earlier_posts(fresh)
        index_of: dict[str, int] = {}
        in_batch: dict[str, list] = defaultdict(list)
        drafts: list[ArchiveDraft] = []
        chosen: list[ArchiveMessage] = []
        for item in fresh:
            parent = self._parent(item, index_of, known, earlier, in_batch)
            if parent is None and item.referenced:
                self.report.orphans += 1
            draft = self._draft(item, parent)
            if draft is None:
                continue
            index_of[item.key] = len(drafts)
            if self.dry_run:
                self.counted.add(item.key)
            in_batch[item.subject_key].append((draft.created_at, item.author_name, len(drafts)))
            drafts.append(draft)
            chosen.append(item)
        if not self.dry_run:
            self._write(chosen, drafts)
        else:
            self.report.new += len(drafts)
            for item, draft in zip(chosen, drafts, strict=True):
                self._remember(item, draft.created_at, ("key", item.key))
        if not self.dry_run and time.monotonic() - self.held_at > LEASE_RENEW_SECONDS:
            with transaction.atomic():
                board_import_hold(board=self.board, renew=True)
            self.held_at = time.monotonic()

    def _fresh(self, items: list) -> list[ArchiveMessage]:
        """The batch's messages to post: readable, not in the board nor seen before."""
        usable = []
        for item in items:
            self.report.messages += 1
            self.report.problems += [(item.position, problem) for problem in item.problems]
            if isinstance(item, RawMessage) or not item.author_address:
                self.report.skipped += 1
            elif item.key in self.seen:
                self.report.duplicates += 1
            else:
                self.seen.add(item.key)
                usable.append(item)
        existing = set(
            Post.objects.filter(
                thread__board=self.board, message_id__in=[item.key for item in usable]
            ).values_list("message_id", flat=True)
        )
        self.report.duplicates += sum(1 for item in usable if item.key in existing)
        return [item for item in usable if item.key not in existing]

    def _earlier_posts(self, fresh: list[ArchiveMessage]) -> dict[int, Post]:
        """The posts of earlier batches the subject fallback may answer."""
        pks = {
            ref[1]
            for item in fresh
            if item.is_reply
            for _date, _name, ref in self.recent.get(item.subject_key, ())
            if ref[0] == "post"
        }
        if not pks:
            return {}
        return Post.objects.select_related("thread__board").in_bulk(pks)

    def _parent(self, item, index_of, known, earlier, in_batch):
        """("draft", index) | ("post", Post) | ("key", key) | None."""
        for ref in item.referenced:  # nearest first, as mailbridge.bridge.threading
            if ref in index_of:
                return ("draft", index_of[ref])
            if ref in known:
                return ("post", known[ref])
            if self.dry_run and ref in self.counted:
                return ("key", ref)
        if not item.is_reply or item.date is None:
            return None
        candidates = [
            (date, name, ("post", earlier.get(ref[1])) if ref[0] == "post" else ref)
            for date, name, ref in self.recent.get(item.subject_key, ())
        ] + [(date, name, ("draft", index)) for date, name, index in in_batch[item.subject_key]]
        candidates = [
            (date, name, ref)
            for date, name, ref in candidates
            if ref[1] is not None and timedelta(0) <= item.date - date <= SUBJECT_WINDOW
        ]
        if not candidates:
            return None
        named = [c for c in candidates if item.quoted_name and c[1] == item.quoted_name]
        self.report.by_subject += 1
        return max(named or candidates, key=lambda c: c[0])[2]

    def _draft(self, item: ArchiveMessage, parent) -> ArchiveDraft | None:
        date = item.date or self.last_date or timezone.now()
        self.last_date = date
        body = item.body
        if not body.strip():
            self.report.problems.append((item.position, "no text nor file: left out"))
            self.report.skipped += 1
            return None
        kind, ref = parent if parent else (None, None)
        return ArchiveDraft(
            author=None if self.dry_run else self._author(item),
            title=item.title or body.strip().splitlines()[0][:80],
            body=body,
            created_at=date,
            message_id=item.key,
            html=item.html,
            parent=ref if kind == "post" else None,
            parent_index=ref if kind == "draft" else None,
        )

    def _authors_find(self, items: list[ArchiveMessage]) -> None:
        """The batch's new authors: members by their verified address
        (`inbound.people.person_for_address`, as `ingest.author_account`), the others
        guests, made together (forum.services.guests.guest_authors_for)."""
        guests = {}
        for item in items:
            address = item.author_address
            if address in self.authors or address in guests:
                continue
            person = person_for_address(address)
            if person is not None:
                self.authors[address] = person
            else:
                guests[address] = item.author_name
        if guests:
            made = guest_authors_for(people=guests)
            for address in guests:
                self.authors[address] = made[normalised_address(address)]

    def _author(self, item: ArchiveMessage):
        account = self.authors.get(item.author_address)
        if account is None:
            account = author_account(Author(item.author_address, item.author_name))
            self.authors[item.author_address] = account
        return account

    def _remember(self, item: ArchiveMessage, date, ref) -> None:
        kept = self.recent[item.subject_key]
        kept.append((date, item.author_name, ref))
        if len(kept) > SUBJECT_KEPT:
            del kept[: len(kept) - SUBJECT_KEPT]

    def _write(self, chosen: list[ArchiveMessage], drafts: list[ArchiveDraft]) -> None:
        files = []
        try:
            for item, draft in zip(chosen, drafts, strict=True):
                draft.attachments = [file_keep(part) for part in item.files]
                files += draft.attachments
            with transaction.atomic():
                results = archive_posts_write(board=self.board, drafts=drafts)
                posted = []
                for item, draft, result in zip(chosen, drafts, results, strict=True):
                    if not isinstance(result, Post):
                        self.report.problems.append((item.position, f"refused: {result}"))
                        self.report.skipped += 1
                        continue
                    opened = draft.parent is None and draft.parent_index is None
                    posted.append((result, item.referenced if opened else []))
                bridged_records(bridge=self.bridge, posts=posted)
                self._orphans_attach([post for post, _refs in posted])
        except BaseException:
            files_remove(files)
            raise
        self.report.new += len(posted)
        for item, result in zip(chosen, results, strict=True):
            if isinstance(result, Post):
                self._remember(item, result.created_at, ("post", result.pk))

    def _orphans_attach(self, posts: list[Post]) -> None:
        awaited = set(
            " ".join(
                BridgedMessage.objects.filter(bridge=self.bridge)
                .exclude(awaited="")
                .values_list("awaited", flat=True)
            ).split()
        )
        for post in posts:
            if post.message_id in awaited:
                self.report.attached += len(orphans_attach(bridge=self.bridge, post=post))
