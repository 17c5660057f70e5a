"""One post to 10,000 email followers, against a plain smtplib loop, in the same run.

    python bench/outbound.py            # full run: PostgreSQL (DATABASE_URL) + Redis
                                        # (REDIS_URL) + 2 `intercoop worker` processes;
                                        # writes the "Outbound" section of docs/benchmarks.md
    python bench/outbound.py --smoke    # 50 followers, SQLite, the sender in this process;
                                        # a few seconds, writes nothing

Both sides send to the same counting SMTP sink, a process of its own
(`python -m mailbridge.tests.sink`) on 127.0.0.1:

- baseline: one smtplib connection sending, in a loop, the 10,000 messages of a
  post prebuilt by mailbridge.outbound.message (the same size and shape as the
  product's), each with its own envelope;
- product: `forum.services.thread_create` writes the post and its 10,000 outbox
  rows in one transaction; on commit the workers are woken through Redis, claim
  batches, build and send. The time runs from the commit to the moment the sink
  accepted the last message.

The full run uses a database of its own, `<DATABASE_URL name>_bench`, created afresh
and dropped at the end; the Celery queue of REDIS_URL is purged first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Outbound"
FULL_FOLLOWERS = 10_000
SMOKE_FOLLOWERS = 50
BODY = (
    "Bonjour à toutes et à tous,\n\n"
    "voici **le compte rendu** de la matinée sur le travail collaboratif entre réseaux : "
    "trois ateliers, une quarantaine de participants, et beaucoup d'idées à reprendre.\n\n"
    "- mutualiser les outils d'animation\n- écrire ensemble une charte\n"
    "- se revoir à l'automne\n\nÀ bientôt,\nHélène\n"
)


class Sink:
    """The counting sink process: started first, asked for its counts on stdin."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mailbridge.tests.sink", "--port", "0"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self.process.stdout.readline().split()
        if not ready or ready[0] != "ready":
            raise SystemExit("the SMTP sink did not start")
        self.port = int(ready[1])

    def counts(self) -> dict:
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def wait_for(self, count: int, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            counts = self.counts()
            if counts["count"] >= count or time.monotonic() > deadline:
                return counts
            time.sleep(0.02)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of processes and their live descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, seen, todo = 0.0, set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def database_for_bench(url: str) -> str:
    """Create `<name>_bench` afresh on the server of `url`; returns its URL."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def start_workers(count: int, concurrency: int, log_dir: Path) -> list[subprocess.Popen]:
    workers = []
    for number in range(count):
        log = open(log_dir / f"worker{number}.log", "w")  # noqa: SIM115 - closed with the process
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "config.cli", "worker", "--concurrency", str(concurrency)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def wait_for_workers(app, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5)) >= count:
            return
        time.sleep(0.5)
    raise SystemExit(f"the {count} Celery workers did not answer within {timeout:.0f}s")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def baseline_post(board, author):
    """A post written straight to the database (no outbox rows): the baseline's text."""
    from django.utils import timezone

    from forum.models import Post, Thread
    from forum.rendering import markdown_to_html

    thread = Thread.objects.create(
        board=board,
        title="Coopératives : où en est-on ?",
        author=author,
        last_post_at=timezone.now(),
    )
    return Post.objects.create(
        thread=thread,
        number=1,
        author=author,
        body_markdown=BODY,
        body_html=markdown_to_html(BODY),
        body_text=BODY,
    )


def prebuild(post, recipients) -> tuple[list[tuple[str, str, bytes]], float]:
    """(envelope sender, recipient, bytes) per recipient, and messages built per
    second of CPU (process time: the machine's other work does not count)."""
    from mailbridge.outbound.message import post_message_build
    from mailbridge.tokens import bounce_address

    started = time.process_time()
    built = post_message_build(post)
    messages = [
        (bounce_address(number + 1), recipient.address, built.for_recipient(recipient))
        for number, recipient in enumerate(recipients)
    ]
    return messages, len(messages) / (time.process_time() - started)


def smtplib_loop(port: int, messages) -> float:
    """The baseline: one connection, sendmail in a loop. Returns the seconds taken."""
    started = time.perf_counter()
    connection = smtplib.SMTP("127.0.0.1", port)
    for envelope_from, recipient, data in messages:
        connection.sendmail(envelope_from, [recipient], data)
    connection.quit()
    return time.perf_counter() - started


def run(args) -> dict:
    followers = SMOKE_FOLLOWERS if args.smoke else args.followers
    load_at_start = os.getloadavg()[0]
    data_dir = Path(tempfile.mkdtemp(prefix="intercoop-bench-"))
    sink = Sink()
    workers: list[subprocess.Popen] = []
    bench_db = None
    os.environ.update(
        INTERCOOP_DATA_DIR=str(data_dir),
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        INTERCOOP_MAIL_DOMAIN="lists.intercoop.test",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if args.smoke:
        for name in ("DATABASE_URL", "REDIS_URL"):
            os.environ.pop(name, None)
    else:
        url, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
        if not url.startswith("postgres") or not redis:
            raise SystemExit("the full run needs DATABASE_URL=postgres://… and REDIS_URL=redis://…")
        bench_db = os.environ["DATABASE_URL"] = database_for_bench(url)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import transaction
        from django.db.models import Count

        from config.celery import app
        from forum import services
        from forum.models import Board, Post
        from mailbridge.models import Delivery
        from mailbridge.outbound.recipients import post_recipients
        from mailbridge.outbound.sender import outbox_send_due
        from mailbridge.tests.outbound.outbox_fixture import post_to_followers

        call_command("migrate", interactive=False, verbosity=0)
        filled = post_to_followers(followers, make_post=False)
        board = Board.objects.select_related("session").get(pk=filled["board_id"])
        author = board.event.registrations.get().user

        if not args.smoke:
            app.control.purge()
            workers = start_workers(args.workers, args.concurrency, data_dir)

        # Baseline: the same number of prebuilt messages through one smtplib connection.
        post = baseline_post(board, author)
        post = Post.objects.select_related("thread__board__session", "author__profile").get(
            pk=post.pk
        )
        messages, built_per_second = prebuild(post, post_recipients(post=post))
        assert len(messages) == followers
        cpu_before = own_cpu_seconds(), cpu_seconds([sink.process.pid])
        baseline_seconds = smtplib_loop(sink.port, messages)
        sink.wait_for(followers, timeout=30)
        baseline_cpu = (
            own_cpu_seconds() - cpu_before[0],
            cpu_seconds([sink.process.pid]) - cpu_before[1],
        )
        del messages

        if workers:
            wait_for_workers(app, args.workers)

        # Product: a post through the services; the clock starts at the commit.
        marks: dict[str, float] = {}
        before = sink.counts()["count"]
        senders = [worker.pid for worker in workers] or [os.getpid()]
        cpu_before = cpu_seconds(senders), cpu_seconds([sink.process.pid])
        started = time.time()
        with transaction.atomic():
            transaction.on_commit(lambda: marks.setdefault("commit", time.time()))
            thread = services.thread_create(
                board=board, author=author, title="Coopératives : où en est-on ?", body=BODY
            )
        if args.smoke:
            outbox_send_due()
        counts = sink.wait_for(before + followers, timeout=args.timeout)
        product_cpu = (
            cpu_seconds(senders) - cpu_before[0],
            cpu_seconds([sink.process.pid]) - cpu_before[1],
        )
        product_seconds = counts["last_accepted_at"] - marks["commit"]
        post = thread.posts.get()
        statuses = dict(
            Delivery.objects.filter(post=post).values_list("status").annotate(n=Count("id"))
        )
        accepted = counts["count"] - before
        return {
            "followers": followers,
            "smoke": args.smoke,
            "database": "PostgreSQL" if bench_db else "SQLite",
            "workers": f"{args.workers} × concurrency {args.concurrency}"
            if workers
            else "in-process",
            "batch": int(os.environ.get("INTERCOOP_OUTBOX_BATCH_SIZE") or 50),
            "built_per_second": built_per_second,
            "fanout_seconds": marks["commit"] - started,
            "baseline_seconds": baseline_seconds,
            "baseline_rate": followers / baseline_seconds,
            "product_seconds": product_seconds,
            "product_rate": accepted / product_seconds if product_seconds > 0 else 0.0,
            "accepted": accepted,
            "duplicates": accepted - followers,
            "statuses": statuses,
            "load": load_at_start,
            "baseline_cpu": baseline_cpu,
            "product_cpu": product_cpu,
        }
    finally:
        if workers:
            stop_workers(workers)
        sink.stop()
        if bench_db:
            from django.db import connections

            connections.close_all()
            drop_database(bench_db)
        shutil.rmtree(data_dir, ignore_errors=True)


def table(result: dict) -> list[str]:
    def per_message(seconds: float) -> str:
        return f"{seconds / result['followers'] * 1e6:,.0f} µs"

    ratio = result["product_rate"] / result["baseline_rate"]
    return [
        "| sender | time | messages/s |",
        "|---|---:|---:|",
        f"| plain smtplib loop, 1 connection, prebuilt messages | "
        f"{result['baseline_seconds']:.2f} s | {result['baseline_rate']:,.0f} |",
        f"| Intercoop outbox ({result['workers']}), commit → last accepted | "
        f"{result['product_seconds']:.2f} s | {result['product_rate']:,.0f} |",
        "",
        f"Ratio Intercoop / baseline: {ratio:.0%}. "
        f"Messages accepted by the sink for the post: {result['accepted']:,} "
        f"({result['duplicates']} duplicates); deliveries: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(result["statuses"].items()))
        + ".",
        f"Fan-out (post + {result['followers']:,} outbox rows, one transaction): "
        f"{result['fanout_seconds']:.2f} s. Message building alone: "
        f"{result['built_per_second']:,.0f} messages per CPU second (the post built once, "
        "then each recipient's copy spliced; tokens included).",
        "CPU per message (user + system): baseline client "
        f"{per_message(result['baseline_cpu'][0])}, sink {per_message(result['baseline_cpu'][1])}"
        f"; Intercoop senders {per_message(result['product_cpu'][0])} (claiming, building, "
        f"sending, recording; PostgreSQL not counted), sink "
        f"{per_message(result['product_cpu'][1])}.",
    ]


def write_section(lines: list[str], result: dict) -> None:
    today = dt.date.today().isoformat()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    body = [
        SECTION,
        "",
        f"`python bench/outbound.py`, {today}, {machine}; {result['database']} + Redis, "
        f"{result['followers']:,} followers by email, batches of {result['batch']}; load "
        f"average {result['load']:.1f} at the start (other work on the machine).",
        "",
        *lines,
        "",
        "Both sides send to the same counting aiosmtpd sink, a process of its own on "
        "127.0.0.1 sharing the 2 cores with PostgreSQL, Redis and the senders. The baseline "
        "sends messages built in advance by the same builder (its time excludes building); "
        "the product's time includes claiming rows, building, sending and recording each "
        "batch. Target: ≥ 1,000 messages/s and ≥ 50 % of the baseline.",
        "",
    ]
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Intercoop — benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    section = "\n".join(body) + "\n"
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="50 followers, SQLite, no docs")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    parser.add_argument("--followers", type=int, default=FULL_FOLLOWERS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the sink")
    args = parser.parse_args(argv)
    result = run(args)
    lines = table(result)
    print("\n".join(lines))
    if result["accepted"] < result["followers"]:
        print(f"error: only {result['accepted']} of {result['followers']} messages arrived")
        return 1
    if not (args.smoke or args.no_write):
        write_section(lines, result)
        print(f"\nwritten to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
