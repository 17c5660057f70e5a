"""`intercoop import-mbox <network-slug> FILE…` (or `manage.py import_mbox`): a
list's archive into its network's board (mailbridge.bridge.importer).

Progress on stderr (in place on a terminal, a line every --every seconds
otherwise); the counts, then each problem with its message's position, on stdout.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forum.models import Network
from mailbridge.bridge.archive import archive_size
from mailbridge.bridge.importer import BATCH, ImportRefused, archive_import
from mailbridge.bridge.progress import Progress


def default_workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0))))


class Command(BaseCommand):
    help = "Import a list's archive (mbox, Mailman 2 pipermail .txt.gz) into a network's board."

    def add_arguments(self, parser):
        parser.add_argument("network", help="the network's slug")
        parser.add_argument("files", nargs="+", type=Path, help="mbox or pipermail files")
        parser.add_argument(
            "--dry-run", action="store_true", help="count new, duplicate and orphan messages only"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="processes parsing the messages (default: the CPUs, at most 4)",
        )
        parser.add_argument("--batch", type=int, default=BATCH, help="messages per transaction")
        parser.add_argument(
            "--every", type=float, default=10.0, help="seconds between progress lines (not a tty)"
        )

    def handle(self, *args, network, files, dry_run, workers, batch, every, **options):
        found = Network.objects.filter(slug=network).first()
        if found is None:
            raise CommandError(f"no network {network!r}")
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        progress = Progress(
            total_bytes=archive_size(files),
            stream=self.stderr._out,
            every=every,
            label="dry run: " if dry_run else "",
        )
        try:
            report = archive_import(
                network=found,
                paths=files,
                dry_run=dry_run,
                workers=workers,
                batch_size=batch,
                on_batch=lambda report, done: progress.update(report.messages, done),
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        progress.finish(report.messages)
        verb = "would be new" if dry_run else "new"
        self.stdout.write(
            f"{report.messages} messages read: {report.new} {verb}, "
            f"{report.duplicates} duplicate, {report.orphans} orphan, "
            f"{report.skipped} left out; {report.by_subject} threaded by subject, "
            f"{report.attached} orphan threads joined their parent; "
            f"{len(report.problems)} problems; {report.rate:,.0f} messages/s"
        )
        for position, problem in report.problems:
            self.stdout.write(f"{position}: {problem}")
