"""Memory of the SMTP gateway through a burst of large messages, before and after.

    python bench/large_mail.py           # full run: 12 messages of 25,000,000 bytes sent
                                         # at once; writes the "Large messages" section
                                         # of docs/benchmarks.md
    python bench/large_mail.py --smoke   # 3 messages of 2,000,000 bytes; writes nothing

Each server is `intercoop smtp` on a SQLite data dir of its own:

1. baseline: the DATA budget and the file threshold set beyond any message, so every
   DATA is read at once and every raw message goes into its row (each still read into
   one buffer, mailbridge/smtp/spool.py);
2. product: the defaults (`INTERCOOP_SMTP_DATA_BUDGET_BYTES`, four of the largest
   messages; `INTERCOOP_INBOUND_FILE_BYTES`, 1 MiB: the large messages are files).

A small message warms the server up, then its resident memory (VmRSS) is read: the
start. The burst's clients each send one message (an attachment's base64 lines,
SIZE declared, as MTAs do) and, told 451, try again half a second later, as a sending
MTA would, later. The RSS is sampled every 0.1 s (the peak) and read three seconds
after the last 250 (after). Every message must be stored: the rows are counted.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import smtplib
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402 - after the path is set
from bench.flood import DOMAIN, SECRET, migrated_data_dir, server_env  # noqa: E402

SECTION = "## Large messages"
HUGE = str(10**12)
SETTLE_SECONDS = 3.0


@dataclass
class Burst:
    kind: str
    sent: int = 0
    accepted: int = 0
    failed: int = 0
    deferred: int = 0
    rows: int = 0
    files: int = 0
    rss_start: int = 0
    rss_peak: int = 0
    rss_after: int = 0


def rss(pid: int) -> int:
    """Resident memory of `pid` in bytes (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def message(size: int, number: int) -> bytes:
    lines = base64.encodebytes(os.urandom(size * 3 // 4)).replace(b"\n", b"\r\n")
    return (
        b"From: <sender@exemple.org>\r\nSubject: grand message\r\n"
        + f"Message-ID: <large-{number}@exemple.org>\r\n".encode()
        + b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + lines
    )


def send(port: int, address: str, data: bytes, burst: Burst, lock: threading.Lock) -> None:
    while True:
        try:
            client = smtplib.SMTP("127.0.0.1", port, timeout=300)
            client.ehlo("burst.exemple.org")
            client.mail("sender@exemple.org", options=[f"SIZE={len(data)}"])
            client.rcpt(address)
            code, _text = client.data(data)
            client.quit()
        except smtplib.SMTPDataError as refused:
            code = refused.smtp_code
            client.close()
        except (smtplib.SMTPException, OSError):
            with lock:
                burst.failed += 1
            return
        with lock:
            if code == 250:
                burst.accepted += 1
                return
            burst.deferred += 1
        if code != 451:
            raise SystemExit(f"DATA answered {code}")
        time.sleep(0.5)


def burst_run(kind: str, template: Path, address: str, count: int, size: int) -> Burst:
    data_dir = template.with_name(f"{template.name}-{kind}")
    shutil.copytree(template, data_dir)
    env = server_env(data_dir)
    if kind == "baseline":
        env.update(INTERCOOP_SMTP_DATA_BUDGET_BYTES=HUGE, INTERCOOP_INBOUND_FILE_BYTES=HUGE)
    port = common.free_port()
    log = data_dir / "server.log"
    process = common.start_logged(common.intercoop_command() + ["smtp", "--port", str(port)],
                                  log, env)  # fmt: skip
    result = Burst(kind, sent=count)
    try:
        common.wait_for_port(port, process, log, greeting=b"220")
        warm_up = Burst(kind)
        send(port, address, message(10_000, 0), warm_up, threading.Lock())
        time.sleep(1.0)
        result.rss_start = result.rss_peak = rss(process.pid)
        payloads = [message(size, number) for number in range(1, count + 1)]
        lock = threading.Lock()
        clients = [
            threading.Thread(target=send, args=(port, address, data, result, lock))
            for data in payloads
        ]
        for client in clients:
            client.start()
        while any(client.is_alive() for client in clients):
            result.rss_peak = max(result.rss_peak, rss(process.pid))
            time.sleep(0.1)
        del payloads
        time.sleep(SETTLE_SECONDS)
        result.rss_after = rss(process.pid)
    finally:
        common.stop(process)
    with sqlite3.connect(data_dir / "intercoop.sqlite3") as database:
        (result.rows,) = database.execute(
            "SELECT count(*) FROM mailbridge_inboundmessage"
        ).fetchone()
    result.rows -= 1  # the warm-up
    inbound = data_dir / "inbound"
    result.files = len(list(inbound.glob("*.eml"))) if inbound.exists() else 0
    shutil.rmtree(data_dir, ignore_errors=True)
    return result


def megabytes(value: int) -> str:
    return f"{value / 1_000_000:,.0f} MB"


NAMES = {
    "baseline": "no DATA budget, every raw message in its row",
    "product": "Intercoop gateway (`intercoop smtp`, defaults)",
}


def report(results: list[Burst], args, load: float) -> list[str]:
    lines = [
        f"{args.messages} messages of {args.size:,} bytes sent at once to `intercoop smtp` "
        f"(SQLite), each client trying again 0.5 s after a 451; resident memory of the "
        f"gateway (VmRSS) after a warm-up message, at its peak, and {SETTLE_SECONDS:.0f} s "
        f"after the last 250. `python bench/large_mail.py`; load average {load:.1f}"
        f"{common.busy_note(load)}; {common.machine()}.",
        "",
        "| server | stored (rows) | failed | as files | 451 then retried | RSS start | RSS peak "
        "| RSS after | after / start |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for burst in results:
        lines.append(
            f"| {NAMES[burst.kind]} | {burst.rows} of {burst.sent} | {burst.failed} "
            f"| {burst.files} | {burst.deferred} | {megabytes(burst.rss_start)} "
            f"| {megabytes(burst.rss_peak)} "
            f"| {megabytes(burst.rss_after)} | {burst.rss_after / burst.rss_start:.2f} |"
        )
    lines += [
        "",
        "The budget lets four of the largest messages in at once and defers the rest "
        "with 451 4.3.1 (their senders try again); each DATA is read into one buffer, "
        "and a large message into its file as it arrives (mailbridge/smtp/spool.py), "
        "so no message is ever whole in the gateway's memory; once the last DATA ends "
        "the C heap gives its free pages back.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__, "3 messages of 2,000,000 bytes, no docs")
    parser.add_argument("--messages", type=int)
    parser.add_argument("--size", type=int)
    parser.add_argument("--role", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.messages = args.messages or (3 if args.smoke else 12)
    args.size = args.size or (2_000_000 if args.smoke else 25_000_000)
    os.environ.update(SECRET_KEY=SECRET, INTERCOOP_MAIL_DOMAIN=DOMAIN)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from mailbridge.tokens import bounce_address

    load = common.load_average()
    template = migrated_data_dir()
    try:
        results = [
            burst_run(kind, template, bounce_address(1), args.messages, args.size)
            for kind in ("baseline", "product")
        ]
    finally:
        shutil.rmtree(template, ignore_errors=True)
    lines = report(results, args, max(load, common.load_average()))
    print("\n".join(lines))
    if not args.smoke and not args.no_write:
        common.write_section(SECTION, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
