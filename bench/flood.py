"""A flood of idle SMTP connections, against the gateway as it accepted before, in the same run.

    python bench/flood.py            # full run: 10,000 connections per flood, open-file
                                     # limit 4,096, held 30 s; writes the "Connection
                                     # flood" section of docs/benchmarks.md
    python bench/flood.py --smoke    # 600 connections, limit 256, held 2 s; writes nothing

Each server runs in a process of its own with its open-file limit (RLIMIT_NOFILE, soft
and hard) lowered, on a SQLite data dir of its own, logging at INFO to a file:

1. baseline: the same aiosmtpd protocol and handler (`smtp_factory`) served by
   asyncio's own `loop.create_server`, with no cap on connections, and the log
   without config/log_repeats.py's filter: the gateway as it was;
2. product: `intercoop smtp` (smtp/limits.py: per-client and total caps, 421 4.7.0
   beyond; its own accept loop; repeated log lines counted).

Two floods each, one after the other: connections from one address (127.0.0.2), then
from 50 (127.0.0.10 to 127.0.0.59). The connections are opened in waves of 200 and
left idle, as a flood's are; each is counted by what it is told first (220, 421,
nothing within 3 s, or refused). While a flood holds its connections, a probe from
127.0.0.1 sends a message to a `bounces+<token>@` address (checked by its signature
alone, then stored: a 250 means the gateway works); then the flood lets go, and the
probe goes again a second later. Also measured: the server's open files at their
most, and what it wrote to its log during the flood.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402 - after the path is set

SECTION = "## Connection flood"
DOMAIN = "lists.intercoop.test"
SECRET = "bench-flood-" + "x" * 40
WAVE = 200
GREETING_SECONDS = 3.0
SOURCES = {"one address": ["127.0.0.2"], "50 addresses": [f"127.0.0.{n}" for n in range(10, 60)]}
PROBE = b"From: <mailer-daemon@exemple.org>\r\nSubject: probe\r\n\r\nprobe\r\n"


@dataclass
class Flood:
    """What one flood met on one server."""

    sources: str
    told: dict[str, int] = field(default_factory=dict)
    open_files: int = 0
    log_lines: int = 0
    log_bytes: int = 0
    probe_during: str = ""
    probe_after: str = ""


# The servers.


def role_baseline(args) -> int:
    """The gateway as it accepted before: asyncio's server, nothing capped, every log
    line written."""
    import logging

    common.django_setup()
    from mailbridge.smtp.gateway import smtp_factory
    from mailbridge.smtp.ratelimit import SenderLimiter

    for handler in logging.getLogger().handlers:
        handler.filters.clear()

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        factory = smtp_factory(
            hostname="baseline.test",
            wake=lambda ids: None,
            limiter=SenderLimiter(per_sender=None, per_peer=None),
        )
        await loop.create_server(factory, host="127.0.0.1", port=args.port)
        await asyncio.Event().wait()

    asyncio.run(serve())
    return 0


def _limited(limit: int):
    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return lower


def server_env(data_dir: Path) -> dict:
    env = common.base_env(data_dir)
    env.update(
        LOG_LEVEL="INFO",
        SECRET_KEY=SECRET,
        INTERCOOP_MAIL_DOMAIN=DOMAIN,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def migrated_data_dir() -> Path:
    """A data dir whose SQLite database is migrated, copied for each server."""
    data_dir = Path(tempfile.mkdtemp(prefix="intercoop-flood-"))
    command = [sys.executable, "manage.py", "migrate", "--verbosity", "0"]
    common.run_checked(command, server_env(data_dir), "migrate")
    return data_dir


def start_server(kind: str, port: int, data_dir: Path, limit: int) -> subprocess.Popen:
    env = server_env(data_dir)
    if kind == "baseline":
        command = common.role_command(__file__, "baseline", port=port)
    else:
        command = common.intercoop_command() + ["smtp", "--port", str(port)]
    log = data_dir / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=common.ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_limited(limit),
        )
    try:
        common.wait_for_port(port, process, log, greeting=b"220")
    except SystemExit:
        common.stop(process)
        raise
    return process


def open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


# The flood and the probe.


async def _connect(port: int, source: str, held: list, told: dict) -> None:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), GREETING_SECONDS
        )
    except (OSError, TimeoutError):
        told["refused"] = told.get("refused", 0) + 1
        return
    try:
        line = await asyncio.wait_for(reader.readline(), GREETING_SECONDS)
    except (OSError, TimeoutError):
        line = b""
    kind = line[:3].decode("ascii", "replace") if line else "nothing"
    told[kind] = told.get(kind, 0) + 1
    held.append(writer)


async def _flood(port: int, sources: list[str], count: int, held: list, told: dict) -> None:
    for start in range(0, count, WAVE):
        await asyncio.gather(
            *(
                _connect(port, sources[number % len(sources)], held, told)
                for number in range(start, min(count, start + WAVE))
            )
        )


def probe(port: int, address: str) -> str:
    """One message from 127.0.0.1: the reply to its DATA, or what stopped it."""
    try:
        client = smtplib.SMTP(
            "127.0.0.1", port, timeout=GREETING_SECONDS, source_address=("127.0.0.1", 0)
        )
    except smtplib.SMTPConnectError as refused:
        return f"{refused.smtp_code} at connection"
    except OSError as error:
        return f"no answer ({type(error).__name__})"
    try:
        client.ehlo("probe.exemple.org")
        client.mail("")
        client.rcpt(address)
        code, _text = client.data(PROBE)
        client.quit()
        return str(code)
    except (smtplib.SMTPException, OSError) as error:
        return f"failed ({type(error).__name__})"


def flood(process, port: int, log: Path, sources: str, count: int, hold: float, address: str):
    result = Flood(sources)
    held: list = []
    size, lines = log.stat().st_size, log.read_bytes().count(b"\n")

    async def run() -> None:
        flooding = asyncio.create_task(_flood(port, SOURCES[sources], count, held, result.told))
        deadline = time.monotonic() + hold
        while not flooding.done() or time.monotonic() < deadline:
            result.open_files = max(result.open_files, open_files(process.pid))
            await asyncio.sleep(0.2)
        result.probe_during = await asyncio.to_thread(probe, port, address)
        await flooding
        for writer in held:
            writer.close()

    asyncio.run(run())
    time.sleep(1.0)
    result.probe_after = probe(port, address)
    text = log.read_bytes()
    result.log_bytes, result.log_lines = len(text) - size, text.count(b"\n") - lines
    return result


def run(args) -> dict[str, list[Flood]]:
    os.environ.update(SECRET_KEY=SECRET, INTERCOOP_MAIL_DOMAIN=DOMAIN)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from mailbridge.tokens import bounce_address

    address = bounce_address(1)
    results: dict[str, list[Flood]] = {}
    template = migrated_data_dir()
    try:
        for kind in ("baseline", "product"):
            data_dir = template.with_name(f"{template.name}-{kind}")
            shutil.copytree(template, data_dir)
            port = common.free_port()
            process = start_server(kind, port, data_dir, args.limit)
            try:
                results[kind] = [
                    flood(process, port, data_dir / "server.log", sources, args.connections,
                          args.hold, address)
                    for sources in SOURCES
                ]  # fmt: skip
            finally:
                common.stop(process)
                if args.keep:
                    print(f"{kind}: logs kept in {data_dir}", file=sys.stderr)
                else:
                    shutil.rmtree(data_dir, ignore_errors=True)
    finally:
        shutil.rmtree(template, ignore_errors=True)
    return results


# Output.

NAMES = {
    "baseline": "asyncio's server, no cap (the gateway before)",
    "product": "Intercoop gateway (`intercoop smtp`)",
}


def report(results: dict[str, list[Flood]], args) -> list[str]:
    lines = [
        f"Machine: {common.machine('aiosmtpd', 'uvloop')}; load average "
        f"{common.load_average():.2f}{common.busy_note(common.load_average())}. Each server's "
        f"open-file limit: {args.limit}; {args.connections:,} connections per flood, held "
        f"{args.hold:g} s; defaults of the product: 20 connections per client address, 500 "
        f"in all (fitted to the open-file limit).",
        "",
        "| server | flood from | 220 | 421 | nothing | refused | open files (most) "
        "| log during the flood | probe during | probe after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, floods in results.items():
        for result in floods:
            told = result.told
            lines.append(
                f"| {NAMES[kind]} | {result.sources} | {told.get('220', 0):,} "
                f"| {told.get('421', 0):,} | {told.get('nothing', 0):,} "
                f"| {told.get('refused', 0):,} | {result.open_files:,} "
                f"| {result.log_lines:,} lines, {result.log_bytes / 1024:,.0f} KB "
                f"| {result.probe_during} | {result.probe_after} |"
            )
    lines += [
        "",
        "220: greeted (and left idle); 421: refused at once with `421 4.7.0`; nothing: no "
        f"greeting within {GREETING_SECONDS:g} s; refused: the connection itself failed. "
        "The probe sends one message from 127.0.0.1 while the flood holds its "
        "connections, then one second after it let go: its reply to DATA (250: stored). "
        "From one address, the per-client cap keeps room for everyone else; from many, "
        "the total fills and every new connection, the probe's too, is told 421 until "
        "some close (a sending MTA tries again later). The baseline's open files run "
        "out, and asyncio's accept loop logs each failed accept with its traceback.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__, "600 connections, limit 256, no docs")
    parser.add_argument("--connections", type=int)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--hold", type=float)
    parser.add_argument("--keep", action="store_true", help="keep the data dirs and logs")
    parser.add_argument("--role", choices=["baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "baseline":
        return role_baseline(args)
    args.connections = args.connections or (600 if args.smoke else 10_000)
    args.limit = args.limit or (256 if args.smoke else 4_096)
    args.hold = args.hold if args.hold is not None else (2.0 if args.smoke else 30.0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = args.connections + 256  # one flood at a time
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    lines = report(run(args), args)
    print("\n".join(lines))
    if not args.smoke and not args.no_write:
        common.write_section(SECTION, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
