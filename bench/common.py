"""What the benchmarks share: ports and processes, the throw-away PostgreSQL database,
the SMTP sink and Celery workers of the mail benchmarks, the machine's description and
load, and each benchmark's section of docs/benchmarks.md.

The benchmarks run as scripts (`python bench/<name>.py`) and can be imported as
`bench.<name>`; either way they put the project root on sys.path and import this
module as `bench.common`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
INTERCOOP = Path(sys.executable).parent / "intercoop"
# The server of the databases bench/web.py and bench/live.py make for themselves.
BENCH_DATABASE = os.environ.get(
    "INTERCOOP_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432"
).rstrip("/")
# From this load average (1 min) on, the figures say other work shared the machine.
BUSY_LOAD = 1.0


# Ports and processes.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(
    port: int,
    process: subprocess.Popen,
    log: Path,
    timeout: float = 60,
    interval: float = 0.2,
    greeting: bytes = b"",
) -> None:
    """Until `process` listens on 127.0.0.1:`port` (and, with `greeting`, its first
    bytes start with it); an error with the end of `log` if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                if not greeting or connection.recv(100).startswith(greeting):
                    return
        except OSError:
            pass
        time.sleep(interval)
    raise SystemExit(f"server not listening on {port} after {timeout}s")


def start_logged(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    """`command` started in the project root, its stdout and stderr written to `log`."""
    with open(log, "wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def stop(*processes: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to each process still running, then up to `timeout` seconds each to
    end; killed if it does not."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def run_checked(command: list[str], env: dict, what: str, timeout: float = 600) -> str:
    """Run `command` in the project root; its stdout, or an error with its stderr's end."""
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode:
        raise SystemExit(f"{what} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def intercoop_command() -> list[str]:
    """The `intercoop` command of this virtualenv (the module when it is not installed)."""
    if INTERCOOP.exists():
        return [str(INTERCOOP)]
    return [sys.executable, "-m", "config.cli"]


def role_command(script: str, role: str, **options: object) -> list[str]:
    """A benchmark `script` run again in one of its roles (a process of its own), with
    `--<option> <value>` for each of `options`."""
    command = [sys.executable, str(Path(script).resolve()), "--role", role]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    return command


def base_env(data_dir: Path, also_dropped: tuple[str, ...] = ()) -> dict:
    """This environment for a server of the bench's own: none of the caller's
    database, Redis, mail or INTERCOOP_ settings (nor `also_dropped`), data in `data_dir`."""
    dropped = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE", *also_dropped)
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not name.startswith("INTERCOOP_")
    }
    env.update(INTERCOOP_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING")
    return env


def django_setup(migrate: bool = False) -> None:
    """Django set up in this process (and its database migrated, with `migrate`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


def run_async(coroutine):
    """asyncio.run(coroutine), on uvloop's event loop when uvloop is installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


# CPU time and percentiles.


def process_cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc), 0 when unknown."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of processes and their live descendants (Linux /proc)."""
    total, seen, todo = 0.0, set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += process_cpu_seconds(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def percentile(ordered: list[float], percent: float) -> float:
    """The nearest-rank `percent` percentile of sorted values (NaN when there are none)."""
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


# PostgreSQL: a database of the bench's own, beside the others on a server.


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))


def postgres_answers(url: str) -> bool:
    """Whether the PostgreSQL server of `url` takes connections."""
    try:
        import psycopg

        with psycopg.connect(_admin_url(url), connect_timeout=3):
            return True
    except Exception:
        return False


def database_create(url: str, name: str) -> str:
    """Database `name` created afresh on the server of `url`; returns its URL."""
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_drop(url: str) -> None:
    """Drop the database of `url`, whoever is still connected."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The mail benchmarks (outbound, inbound): settings, SMTP sink and Celery workers.


class Sink:
    """The counting SMTP sink process: started first, asked for its counts on stdin."""

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


def start_workers(count: int, concurrency: int, log_dir: Path) -> list[subprocess.Popen]:
    """`count` `intercoop worker` processes, each logging to `log_dir`/worker<n>.log."""
    command = [sys.executable, "-m", "config.cli", "worker", "--concurrency", str(concurrency)]
    return [start_logged(command, log_dir / f"worker{number}.log") for number in range(count)]


def wait_for_workers(app, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5)) >= count:
            return
        time.sleep(0.5)
    raise SystemExit(f"the {count} Celery workers did not answer within {timeout:.0f}s")


@dataclass
class MailRun:
    """What a mail benchmark's run has made: see mail_run()."""

    data_dir: Path
    sink: Sink
    database: str | None = None  # the URL of the full run's PostgreSQL database
    processes: list[subprocess.Popen] = field(default_factory=list)  # stopped at the end


@contextmanager
def mail_run(
    smoke: bool, suffix: str, *, email_to_sink: bool = False, keep: bool = False, **settings: str
):
    """The frame of a run of bench/outbound.py or bench/inbound.py: a data dir, the
    counting SMTP sink (EMAIL_URL pointed at it, with `email_to_sink`), `settings` in
    this environment, then Django set up on a migrated database.

    Smoke runs: SQLite and no Redis (DATABASE_URL and REDIS_URL unset). Full runs need
    DATABASE_URL=postgres://… and REDIS_URL, and use a database `<DATABASE_URL's
    name><suffix>` made afresh beside it, with the cache emptied of its keys. On
    leaving, the processes listed in `processes` are stopped, the sink too, the
    database dropped, and the data dir removed (with `keep`, left for its logs)."""
    run = MailRun(data_dir=Path(tempfile.mkdtemp(prefix="intercoop-bench-")), sink=Sink())
    try:
        if email_to_sink:
            settings["EMAIL_URL"] = f"smtp://127.0.0.1:{run.sink.port}"
        os.environ.update(
            INTERCOOP_DATA_DIR=str(run.data_dir),
            **settings,
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        if smoke:
            for name in ("DATABASE_URL", "REDIS_URL"):
                os.environ.pop(name, None)
        else:
            url, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
            if not url.startswith("postgres") or not redis:
                raise SystemExit(
                    "the full run needs DATABASE_URL=postgres://… and REDIS_URL=redis://…"
                )
            name = urlsplit(url).path.lstrip("/") + suffix
            run.database = os.environ["DATABASE_URL"] = database_create(url, name)
        django_setup(migrate=True)
        if not smoke:
            # The database is new: what the cache holds of the last run's rows (accounts
            # under the same ids, with other passwords, in forum.user_cache) goes too;
            # the cache's own keys only (config/redis_cache.py), not Celery's queues.
            from django.core.cache import cache

            cache.clear()
        yield run
    finally:
        stop(*run.processes)
        run.sink.stop()
        if run.database:
            from django.db import connections

            connections.close_all()
            database_drop(run.database)
        if keep:
            print(f"logs kept in {run.data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(run.data_dir, ignore_errors=True)


def workers_text(args, workers: list) -> str:
    """How the product's side ran: "<n> × concurrency <c>", or "in-process" (smoke)."""
    return f"{args.workers} × concurrency {args.concurrency}" if workers else "in-process"


# Command line, the machine, and docs/benchmarks.md.


def argument_parser(doc: str, smoke_help: str) -> argparse.ArgumentParser:
    """A benchmark's parser, described by the first line of `doc`, with the options of
    them all: --smoke and --no-write."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help=smoke_help)
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    return parser


def add_worker_options(parser: argparse.ArgumentParser, timeout: float, timeout_help: str):
    """The Celery workers of a mail benchmark's full run, and how long to wait for them."""
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=timeout, help=timeout_help)


def machine(*packages: str) -> str:
    """The machine as the figures name it, e.g. "x86_64, 2 cores, Python 3.11.7", then
    the version of each of `packages` that is installed."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"]
    for package in packages:
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)


def load_average() -> float:
    """The machine's load average over the last minute."""
    return os.getloadavg()[0]


def busy_note(*loads: float) -> str:
    """What follows load averages in the figures: "(other work on the machine)" when
    one of them reaches BUSY_LOAD, else nothing, so a quiet machine is not called busy."""
    return " (other work on the machine)" if max(loads) >= BUSY_LOAD else ""


def write_section(
    title: str, lines: list[str], docs: Path = DOCS, *, keep_subsections: bool = False
) -> None:
    """Section `title` ("## …") of `docs` made of `lines`: in place of the one there
    (down to the next "## " heading), or added at the end. With `keep_subsections`, the
    "### " subsections the section held (written by hand, or by other runs) follow the
    new lines as they were."""
    text = docs.read_text(encoding="utf-8") if docs.exists() else "# Intercoop — benchmarks\n"
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    found = pattern.search(text)
    if keep_subsections and found:
        kept = re.search(r"^### .*", found.group(0), re.MULTILINE | re.DOTALL)
        lines = [*lines, "", *(kept.group(0).rstrip().split("\n") if kept else [])]
    section = "\n".join([title, "", *lines]).rstrip() + "\n"
    if found:
        text = pattern.sub(lambda _match: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    docs.write_text(text, encoding="utf-8")
