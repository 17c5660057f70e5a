"""Archive import: a generated list archive into a network's board, its rate and how
well it is threaded.

    python bench/import.py             # 50,000 messages into a throw-away PostgreSQL database
    python bench/import.py --smoke     # 500 messages on SQLite, writes nothing

bench/mbox_corpus.py writes the mbox (threads, quotes, three charsets, 5 % with a
file, 2 % broken) and the truth of each message's parent. The import
(mailbridge.bridge.importer, as `intercoop import-mbox` runs it, with --workers
parsing processes) writes into a database made for the run
(INTERCOOP_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432), dropped
after. Threading is scored against the truth: a message is right when its post
answers the post of the message the generator made it answer (none for a thread's
first), and wrong when it answers another, or was not imported.

The baseline, in the same run: Python's own `mailbox` module merely parsing the same
file (mailbox.mbox, each message read whole): the floor of any importer written in
Python, which has to read the messages before it does anything with them. The
published rates of other importers (Discourse's, HyperKitty's) cannot be run here.
"""

from __future__ import annotations

import json
import mailbox
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.mbox_corpus import write_mbox  # noqa: E402

SECTION = "## Archive import"
FULL_MESSAGES = 50_000
SMOKE_MESSAGES = 500
LIST_ADDRESS = "reseau-coop@listes.exemple.coop"
DATABASE_NAME = f"intercoop_bench_import_{os.getpid()}"


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def baseline_rate(path: Path) -> tuple[int, float, float]:
    """(messages, seconds, CPU seconds) of Python's mailbox module reading every message."""
    started, cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_SELF)
    count = 0
    for message in mailbox.mbox(str(path), create=False):
        message.get_payload()
        count += 1
    return count, time.perf_counter() - started, cpu_seconds(resource.RUSAGE_SELF) - cpu


def network_with_bridge():
    """The network whose list the archive is, approved, with its bridge registered."""
    from django.contrib.auth import get_user_model

    from forum import services
    from forum.models import Event, Network
    from forum.seed.loader import programme_load
    from mailbridge.bridge.services import bridge_save

    if not Event.objects.exists():
        programme_load()
    User = get_user_model()
    organiser = User.objects.create_superuser("bench-organiser", "org@exemple.org", "x")
    referent = User.objects.create_user("bench-referent", "ref@exemple.org", "x")
    network = services.network_propose(user=referent, name="Réseau coopératif du banc")
    services.network_approve(network=network, organiser=organiser)
    network = Network.objects.get(pk=network.pk)
    bridge_save(network=network, user=referent, list_address=LIST_ADDRESS)
    return network


def digest_keys(path: Path, truth: list[dict]) -> dict[str, str]:
    """Truth's "#<n>" (a message without Message-ID) → the key the import gives it."""
    from mailbridge.bridge.archive import archive_messages
    from mailbridge.inbound.identity import post_key_from

    wanted = {int(t["key"][1:]) for t in truth if t["key"].startswith("#")}
    return {
        f"#{raw.index - 1}": post_key_from("", raw.raw)
        for raw in archive_messages(path)
        if raw.index - 1 in wanted
    }


def threading_score(board, truth: list[dict], keys: dict[str, str]) -> tuple[int, int]:
    """(messages whose post answers the right post, messages not imported)."""
    from forum.models import Post

    def ours(key: str) -> str:
        key = keys.get(key, key)
        return key if key.startswith("sha256:") else f"<{key}>"

    parents = dict(
        Post.objects.filter(thread__board=board).values_list(
            "message_id", "in_reply_to__message_id"
        )
    )
    right = missing = 0
    for item in truth:
        key = ours(item["key"])
        if key not in parents:
            missing += 1
            continue
        expected = ours(item["parent"]) if item["parent"] else None
        right += parents[key] == expected
    return right, missing


def run(messages: int, workers: int, smoke: bool) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="intercoop-bench-import-"))
    os.environ.pop("REDIS_URL", None)
    os.environ.update(INTERCOOP_DATA_DIR=str(work / "data"), LOG_LEVEL="WARNING")
    database = "SQLite"
    if not smoke and common.postgres_answers(common.BENCH_DATABASE):
        os.environ["DATABASE_URL"] = common.database_create(common.BENCH_DATABASE, DATABASE_NAME)
        database = "PostgreSQL"
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        return _measure(work, messages, workers, database)
    finally:
        if database == "PostgreSQL":
            from django.db import connections

            connections.close_all()
            common.database_drop(os.environ["DATABASE_URL"])


def _measure(work: Path, messages: int, workers: int, database: str) -> list[str]:
    load_before = common.load_average()
    path = work / "archive.mbox"
    summary = write_mbox(path, messages, seed=2007)
    truth = json.loads(path.with_suffix(".truth.json").read_text())
    common.django_setup(migrate=True)
    from forum.models import Board
    from mailbridge.bridge.importer import archive_import
    from mailbridge.bridge.progress import Progress

    network = network_with_bridge()
    base_count, base_seconds, base_cpu = baseline_rate(path)
    progress = Progress(total_bytes=path.stat().st_size, every=10.0)
    own_cpu = cpu_seconds(resource.RUSAGE_SELF)
    children_cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    report = archive_import(
        network=network,
        paths=[path],
        workers=workers,
        on_batch=lambda report, done: progress.update(report.messages, done),
    )
    progress.finish(report.messages)
    # The parsing processes have ended (the pool is closed): their CPU is the children's.
    own_cpu = cpu_seconds(resource.RUSAGE_SELF) - own_cpu
    children_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - children_cpu
    board = Board.objects.get(network=network)
    right, missing = threading_score(board, truth, digest_keys(path, truth))
    load_after = common.load_average()
    base_rate = base_count / base_seconds
    broken_reported = len({position for position, _problem in report.problems})
    note = common.busy_note(load_before, load_after)

    def per(seconds: float) -> str:
        return f"{seconds / max(1, report.messages) * 1000:.2f}"

    return [
        f"{summary['messages']:,} messages generated by bench/mbox_corpus.py (seed 2007): "
        f"{summary['threads']:,} threads, {summary['attachments']:,} with a file, "
        f"{summary['broken']:,} broken, {summary['no_refs']:,} replies without threading "
        f"headers. {common.machine('Django', 'psycopg')}; {database}; load average "
        f"{load_before:.2f} before, {load_after:.2f} after{note}.",
        "",
        "| reader | messages | seconds | messages/s | share of the baseline | CPU ms per message |",
        "|---|---|---|---|---|---|",
        f"| Python's `mailbox` module, parsing only (baseline) | {base_count:,} "
        f"| {base_seconds:.1f} | {base_rate:,.0f} | 100 % "
        f"| {base_cpu / base_count * 1000:.2f} |",
        f"| Intercoop `import-mbox`, {workers} parsing processes, {database} "
        f"| {report.messages:,} | {report.seconds:.1f} | {report.rate:,.0f} "
        f"| {report.rate / base_rate:.0%} | {per(own_cpu)} writing + {per(children_cpu)} "
        "parsing (the database server's own not counted) |",
        "",
        f"Threading: {right:,} of {len(truth):,} messages answer the post the generator "
        f"made them answer ({right / len(truth):.2%}); {missing:,} not imported. "
        f"Imported {report.new:,}, duplicates {report.duplicates:,}, orphans "
        f"{report.orphans:,}, threaded by subject {report.by_subject:,}, left out "
        f"{report.skipped:,}; problems reported for {broken_reported:,} messages.",
        "",
        "The baseline only cuts the file into messages and each into its header and body "
        "(the `compat32` policy, nothing decoded). The import reads each message as the "
        "bridge reads a list's mail (headers decoded by `policy.default`, charsets, MIME "
        "parts, the list's footer, the quoted history, the Markdown rendered), then writes "
        "it with its thread, files, guest author and orphan record, in batches of 500. "
        "Wall-clock rates on a shared machine say little; the CPU per message says what "
        "two free cores would allow.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__, "500 messages on SQLite, writes nothing")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2, help="parsing processes")
    args = parser.parse_args(argv)
    messages = args.messages or (SMOKE_MESSAGES if args.smoke else FULL_MESSAGES)
    lines = run(messages, args.workers, args.smoke)
    print("\n".join(lines))
    if not (args.smoke or args.no_write):
        common.write_section(SECTION, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
