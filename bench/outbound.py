"""One post to 10,000 email followers, against a plain smtplib loop, in the same run.

    python bench/outbound.py            # full run: PostgreSQL (DATABASE_URL) + Redis
                                        # (REDIS_URL) + 2 `intercoop worker` processes;
                                        # writes the "Outbound" section of docs/benchmarks.md
    python bench/outbound.py --smoke    # 50 followers, SQLite, the sender in this process,
                                        # unsigned then signed; a few seconds, writes nothing
    python bench/outbound.py --dkim     # then the same post again, DKIM-signed, in the
                                        # same run (the workers restarted with a key)

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

import base64
import datetime as dt
import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402 - after the path is set

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


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


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


def product_run(frame, board, author, senders: list[int], smoke: bool, followers, timeout):
    """One post through the services to `followers`; the clock starts at the commit."""
    from django.db import transaction
    from django.db.models import Count

    from forum import services
    from mailbridge.models import Delivery
    from mailbridge.outbound.sender import outbox_send_due

    marks: dict[str, float] = {}
    before = frame.sink.counts()
    cpu_before = (
        common.tree_cpu_seconds(senders),
        common.tree_cpu_seconds([frame.sink.process.pid]),
    )
    started = time.time()
    with transaction.atomic():
        transaction.on_commit(lambda: marks.setdefault("commit", time.time()))
        thread = services.thread_create(
            board=board, author=author, title="Coopératives : où en est-on ?", body=BODY
        )
    if smoke:
        outbox_send_due()
    counts = frame.sink.wait_for(before["count"] + followers, timeout=timeout)
    cpu = (
        common.tree_cpu_seconds(senders) - cpu_before[0],
        common.tree_cpu_seconds([frame.sink.process.pid]) - cpu_before[1],
    )
    seconds = counts["last_accepted_at"] - marks["commit"]
    post = thread.posts.get()
    statuses = dict(
        Delivery.objects.filter(post=post).values_list("status").annotate(n=Count("id"))
    )
    accepted = counts["count"] - before["count"]
    return {
        "signed": counts["signed"] - before["signed"],
        "fanout_seconds": marks["commit"] - started,
        "seconds": seconds,
        "rate": accepted / seconds if seconds > 0 else 0.0,
        "accepted": accepted,
        "duplicates": accepted - followers,
        "statuses": statuses,
        "cpu": cpu,
    }


def dkim_key(data_dir: Path) -> Path:
    """A 2,048-bit RSA key as `manage.py dkim_keygen` writes it."""
    from mailbridge.management.commands.dkim_keygen import generate_rsa_key

    path = data_dir / "dkim" / "bench.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(generate_rsa_key()[0])
    return path


def signing_check(path: Path, sample: bytes) -> None:
    """The bench signs what a receiver verifies (dkimpy, against the key's record)."""
    import dkim as dkimpy
    from cryptography.hazmat.primitives import serialization

    from mailbridge import dkim

    public = serialization.load_pem_private_key(path.read_bytes(), None).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _name, record = dkim.dns_record(base64.b64encode(der).decode())
    signed = dkim.sign_message(sample)
    assert dkimpy.verify(signed, dnsfunc=lambda *_args, **_kw: record.encode())


def run(args) -> dict:
    followers = SMOKE_FOLLOWERS if args.smoke else args.followers
    load_at_start = common.load_average()
    workers: list[subprocess.Popen] = []
    with common.mail_run(
        args.smoke, "_bench", email_to_sink=True, INTERCOOP_MAIL_DOMAIN="lists.intercoop.test"
    ) as frame:
        from config.celery import app
        from forum.models import Board, Post
        from mailbridge.outbound.recipients import post_recipients
        from mailbridge.tests.outbound.outbox_fixture import post_to_followers

        filled = post_to_followers(followers, make_post=False)
        board = Board.objects.select_related("session").get(pk=filled["board_id"])
        author = board.event.registrations.get().user

        if not args.smoke:
            app.control.purge()
            workers = common.start_workers(args.workers, args.concurrency, frame.data_dir)
            frame.processes += workers

        # Baseline: the same number of prebuilt messages through one smtplib connection.
        post = baseline_post(board, author)
        post = Post.objects.select_related("thread__board__session", "author__profile").get(
            pk=post.pk
        )
        messages, built_per_second = prebuild(post, post_recipients(post=post))
        assert len(messages) == followers
        sample = messages[0][2]
        cpu_before = own_cpu_seconds(), common.tree_cpu_seconds([frame.sink.process.pid])
        baseline_seconds = smtplib_loop(frame.sink.port, messages)
        frame.sink.wait_for(followers, timeout=30)
        baseline_cpu = (
            own_cpu_seconds() - cpu_before[0],
            common.tree_cpu_seconds([frame.sink.process.pid]) - cpu_before[1],
        )
        del messages

        if workers:
            common.wait_for_workers(app, args.workers)
        senders = [worker.pid for worker in workers] or [os.getpid()]
        product = product_run(frame, board, author, senders, args.smoke, followers, args.timeout)

        signed = None
        if args.dkim:
            # The same workers' command, started again with a key to sign with.
            from django.conf import settings

            key = dkim_key(frame.data_dir)
            os.environ["INTERCOOP_DKIM_PRIVATE_KEY_PATH"] = str(key)
            settings.INTERCOOP_DKIM_PRIVATE_KEY_PATH = str(key)
            signing_check(key, sample)
            if workers:
                common.stop(*workers)
                workers = common.start_workers(args.workers, args.concurrency, frame.data_dir)
                frame.processes += workers
                common.wait_for_workers(app, args.workers)
            senders = [worker.pid for worker in workers] or [os.getpid()]
            signed = product_run(frame, board, author, senders, args.smoke, followers, args.timeout)
        return {
            "followers": followers,
            "smoke": args.smoke,
            "database": "PostgreSQL" if frame.database else "SQLite",
            "workers": common.workers_text(args, workers),
            "batch": int(os.environ.get("INTERCOOP_OUTBOX_BATCH_SIZE") or 50),
            "built_per_second": built_per_second,
            "baseline_seconds": baseline_seconds,
            "baseline_rate": followers / baseline_seconds,
            "product": product,
            "signed": signed,
            "load": load_at_start,
            "load_at_end": common.load_average(),
            "baseline_cpu": baseline_cpu,
        }


def table(result: dict) -> list[str]:
    def per_message(seconds: float) -> str:
        return f"{seconds / result['followers'] * 1e6:,.0f} µs"

    product, signed = result["product"], result["signed"]
    ratio = product["rate"] / result["baseline_rate"]
    lines = [
        "| sender | time | messages/s |",
        "|---|---:|---:|",
        f"| plain smtplib loop, 1 connection, prebuilt messages | "
        f"{result['baseline_seconds']:.2f} s | {result['baseline_rate']:,.0f} |",
        f"| Intercoop outbox ({result['workers']}), commit → last accepted | "
        f"{product['seconds']:.2f} s | {product['rate']:,.0f} |",
    ]
    if signed:
        lines.append(
            f"| Intercoop outbox, DKIM-signed (RSA 2048, relaxed/relaxed), commit → last "
            f"accepted | {signed['seconds']:.2f} s | {signed['rate']:,.0f} |"
        )
    lines += [
        "",
        f"Ratio Intercoop / baseline: {ratio:.0%}. "
        f"Messages accepted by the sink for the post: {product['accepted']:,} "
        f"({product['duplicates']} duplicates); deliveries: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(product["statuses"].items()))
        + ".",
    ]
    if signed:
        lines.append(
            f"DKIM-signed / unsigned: {signed['rate'] / product['rate']:.0%}. Messages "
            f"accepted: {signed['accepted']:,}, signed {signed['signed']:,} "
            f"({signed['duplicates']} duplicates); "
            "deliveries: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(signed["statuses"].items()))
            + f". CPU per signed message: senders {per_message(signed['cpu'][0])}, "
            f"sink {per_message(signed['cpu'][1])}."
        )
    lines += [
        f"Fan-out (post + {result['followers']:,} outbox rows, one transaction): "
        f"{product['fanout_seconds']:.2f} s. Message building alone: "
        f"{result['built_per_second']:,.0f} messages per CPU second (the post built once, "
        "then each recipient's copy spliced; tokens included).",
        "CPU per message (user + system): baseline client "
        f"{per_message(result['baseline_cpu'][0])}, sink {per_message(result['baseline_cpu'][1])}"
        f"; Intercoop senders {per_message(product['cpu'][0])} (claiming, building, "
        f"sending, recording; PostgreSQL not counted), sink "
        f"{per_message(product['cpu'][1])}.",
    ]
    return lines


def section_lines(lines: list[str], result: dict) -> list[str]:
    """The "Outbound" section of docs/benchmarks.md, below its title."""
    return [
        f"`python bench/outbound.py`, {dt.date.today().isoformat()}, {common.machine()}; "
        f"{result['database']} + Redis, {result['followers']:,} followers by email, batches "
        f"of {result['batch']}; load average {result['load']:.1f} at the start and "
        f"{result['load_at_end']:.1f} at the end"
        f"{common.busy_note(result['load'], result['load_at_end'])}.",
        "",
        *lines,
        "",
        "Both sides send to the same counting aiosmtpd sink, a process of its own on "
        "127.0.0.1 sharing the 2 cores with PostgreSQL, Redis and the senders. The baseline "
        "sends messages built in advance by the same builder (its time excludes building); "
        "the product's time includes claiming rows, building, sending and recording each "
        "batch. Target: ≥ 1,000 messages/s and ≥ 50 % of the baseline; DKIM-signed "
        "(`--dkim`: the same workers restarted with a key, then the same post again) "
        "≥ 800 messages/s and ≥ 50 % of unsigned.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__, "50 followers, SQLite, no docs")
    parser.add_argument("--followers", type=int, default=FULL_FOLLOWERS)
    parser.add_argument(
        "--dkim", action="store_true", help="then the same post again, DKIM-signed (same run)"
    )
    common.add_worker_options(parser, 300, "seconds to wait for the sink")
    args = parser.parse_args(argv)
    args.dkim = args.dkim or args.smoke  # the smoke run goes through both sides
    result = run(args)
    lines = table(result)
    print("\n".join(lines))
    for side in filter(None, (result["product"], result["signed"])):
        if side["accepted"] < result["followers"]:
            print(f"error: only {side['accepted']} of {result['followers']} messages arrived")
            return 1
    if result["signed"] and result["signed"]["signed"] < result["followers"]:
        print(f"error: only {result['signed']['signed']} messages arrived DKIM-signed")
        return 1
    if not (args.smoke or args.no_write):
        common.write_section(SECTION, section_lines(lines, result))
        print(f"\nwritten to {common.DOCS.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
