"""Soak: mixed load for a long while, every reply a post exactly once, memory flat.

    python bench/soak.py                 # full run, 30 minutes on PostgreSQL + Redis
                                         # (DATABASE_URL, REDIS_URL); writes the "Soak"
                                         # section of docs/benchmarks.md
    python bench/soak.py --minutes 10    # shorter
    python bench/soak.py --smoke         # ~20 s, `intercoop run` on SQLite; writes nothing

Full run: the production processes, each started here (`intercoop web`, `smtp`,
`worker`, `beat`) on a database `<DATABASE_URL's name>_soak` made afresh and on
REDIS_URL's database (flushed), the outbox relaying to the counting SMTP sink. At
once, for the whole run:

- web readers: a thread page, its board and the home page, anonymous or signed in;
- web posts through the thread page's reply form, as a signed-in browser sends them;
- email replies over SMTP to the reply addresses of the members (one connection a
  message, as a sending MTA; told 4xx, it tries again 5 s later);
- live clients: websockets on the thread (as static/js/live.js, heartbeat included),
  each of which must see every event of the thread once, in order;
- a Celery worker stopped (SIGTERM) and started again every `--restart-minutes`.

Then the load stops, the inbound queue is let drain, and the database is asked:
each reply accepted (250) and each web post answered 200 must be exactly one post
(its body carries its own marker). Errors are HTTP answers other than 200, SMTP 5xx
or failures, websocket disconnections and ERROR lines in the processes' logs.
The resident memory (VmRSS, process and children) of each process is sampled every
few seconds; growth compares the last minute with the minute after the warm-up (for
the worker, the samples of each started worker's first minute are left out).

The smoke run is the same load on `intercoop run` (web, gateway and worker in one
process, SQLite, in-memory layer) for 12 s, without the worker restarts.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import shutil
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402 - after the path is set
from bench.live import page_seq, post_via_form  # noqa: E402

SECTION = "## Soak"
MEMBERS = 30
EMAIL_FOLLOWERS = 3
HEARTBEAT_SECONDS = 25
RETRY_SECONDS = 5.0


@dataclass
class Plan:
    seconds: float
    warm_up: float
    window: float
    sample_every: float
    readers: int
    read_pause: float
    post_every: float
    mail_every: float
    live_clients: int
    restart_every: float  # 0: never
    worker_warm_up: float = 60.0


def plan_of(args) -> Plan:
    if args.smoke:
        return Plan(12, 3, 3, 0.5, 2, 0.2, 1.0, 0.5, 5, 0, 0)
    seconds = args.minutes * 60
    return Plan(
        seconds=seconds,
        warm_up=min(300, seconds / 6),
        window=min(60, seconds / 10),
        sample_every=5,
        readers=args.readers,
        read_pause=0.25,
        post_every=args.post_every,
        mail_every=args.mail_every,
        live_clients=args.live_clients,
        restart_every=args.restart_minutes * 60,
    )


# What happened, counted by the load's threads.


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    reads: int = 0
    read_errors: int = 0
    read_ms: list[float] = field(default_factory=list)
    posts: list[int] = field(default_factory=list)  # markers answered 200
    post_errors: int = 0
    mails: list[int] = field(default_factory=list)  # markers answered 250
    mail_deferred: int = 0
    mail_errors: int = 0
    mail_unsent: int = 0
    errors: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(what)


def reader(stop: threading.Event, base: str, paths: list[str], cookie: str, plan, tally) -> None:
    number = 0
    while not stop.is_set():
        path = paths[number % len(paths)]
        number += 1
        request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                ok = response.status == 200
        except (urllib.error.URLError, OSError) as error:
            ok = False
            tally.error(f"GET {path}: {error}")
        with tally.lock:
            tally.reads += 1
            tally.read_errors += not ok
            tally.read_ms.append((time.perf_counter() - started) * 1000)
        stop.wait(plan.read_pause)


def web_poster(stop: threading.Event, base: str, thread: int, session: str, plan, tally) -> None:
    number = 0
    while not stop.wait(plan.post_every):
        number += 1
        body = f"Réponse soak-web-{number} depuis le site : on mutualise les outils."
        try:
            post_via_form(base, thread, session, body)
        except Exception as error:  # noqa: BLE001 - counted and reported
            tally.error(f"web post {number}: {error!r}")
            with tally.lock:
                tally.post_errors += 1
            continue
        with tally.lock:
            tally.posts.append(number)


def mail_of(number: int, sender: str, address: str) -> bytes:
    return (
        f"From: <{sender}>\r\nTo: <{address}>\r\nSubject: Re: Banc d'essai\r\n"
        f"Message-ID: {make_msgid('soak', 'exemple.org')}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"Réponse soak-mail-{number} par courriel : chez nous, un agenda partagé.\r\n"
    ).encode()


def mailer(stop: threading.Event, port: int, members: list, plan, tally) -> None:
    """One message every `mail_every` seconds, each member in turn; a message told 4xx
    (or not connected) waits RETRY_SECONDS and goes again, as an MTA's queue."""
    queue: collections.deque = collections.deque()
    number, next_new = 0, time.monotonic()
    while not stop.is_set() or (queue and time.monotonic() < stop_deadline(stop)):
        now = time.monotonic()
        if not stop.is_set() and now >= next_new:
            number += 1
            sender, address = members[number % len(members)]
            queue.append((now, number, sender, address))
            next_new += plan.mail_every
        if not queue or queue[0][0] > now:
            time.sleep(0.05)
            continue
        _due, message, sender, address = queue.popleft()
        code = _send(port, sender, address, mail_of(message, sender, address), tally)
        with tally.lock:
            if code == 250:
                tally.mails.append(message)
            elif code is None or 400 <= code < 500:
                tally.mail_deferred += 1
                queue.append((time.monotonic() + RETRY_SECONDS, message, sender, address))
            else:
                tally.mail_errors += 1
                tally.error(f"mail {message}: answered {code}")
    with tally.lock:
        tally.mail_unsent += len(queue)


def stop_deadline(stop: threading.Event) -> float:
    return getattr(stop, "deadline", 0.0)


def _send(port: int, sender: str, address: str, data: bytes, tally) -> int | None:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            client.ehlo("mta.exemple.org")
            client.mail(sender)
            code, text = client.rcpt(address)
            if code != 250:
                return code
            code, text = client.data(data)
            return code
    except smtplib.SMTPResponseException as refused:
        return refused.smtp_code
    except (smtplib.SMTPException, OSError) as error:
        tally.error(f"SMTP: {error!r}")
        return None


# Live clients.


@dataclass
class LiveClient:
    seqs: list[int] = field(default_factory=list)
    error: str = ""


def live_clients(url: str, origin: str, clients: list[LiveClient], stop: threading.Event) -> None:
    common.run_async(_live(url, origin, clients, stop))


async def _live(url: str, origin: str, clients: list[LiveClient], stop: threading.Event) -> None:
    from websockets.asyncio.client import connect

    async def heartbeat(ws) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await ws.send(json.dumps({"type": "heartbeat"}))

    async def one(client: LiveClient) -> None:
        try:
            ws = await connect(url, origin=origin, open_timeout=60, max_size=2**22)
        except Exception as error:  # noqa: BLE001 - reported
            client.error = f"connect: {error!r}"
            return
        beating = asyncio.create_task(heartbeat(ws))
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "event":
                    client.seqs.append(message["seq"])
        except Exception as error:  # noqa: BLE001 - reported
            client.error = f"receive: {error!r}"
        else:
            if not stop.is_set():
                client.error = f"closed by the server: {ws.close_code}"
        finally:
            beating.cancel()

    async def until_stopped() -> None:
        while not stop.is_set():
            await asyncio.sleep(0.2)

    sockets = [asyncio.create_task(one(client)) for client in clients]
    await until_stopped()
    for task in sockets:
        task.cancel()
    await asyncio.gather(*sockets, return_exceptions=True)


# The processes and their memory.


def tree_rss(pid: int) -> int:
    """VmRSS of `pid` and its live descendants, in bytes (Linux /proc)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


@dataclass
class Server:
    role: str
    command: list[str]
    log: Path
    process: subprocess.Popen | None = None
    started: float = 0.0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (t, rss) kept
    warm_up: float = 0.0  # the samples of each start's first seconds are left out
    starts: int = 0


class Servers:
    def __init__(self, env: dict, data_dir: Path, t0: float):
        self.env, self.data_dir, self.t0 = env, data_dir, t0
        self.servers: dict[str, Server] = {}
        self.lock = threading.Lock()

    def start(self, role: str, command: list[str], warm_up: float = 0.0) -> Server:
        server = self.servers.get(role) or Server(role, command, self.data_dir / f"{role}.log")
        server.warm_up = warm_up
        self.servers[role] = server
        with open(server.log, "ab") as output:
            server.process = subprocess.Popen(
                command, cwd=common.ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        server.started = time.monotonic()
        server.starts += 1
        return server

    def restart(self, role: str) -> None:
        server = self.servers[role]
        with self.lock:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(60)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(10)
            self.start(role, server.command, server.warm_up)

    def sample(self) -> None:
        now = time.monotonic()
        with self.lock:
            for server in self.servers.values():
                if server.process.poll() is not None:
                    continue
                if now - server.started >= server.warm_up:
                    server.samples.append((now - self.t0, tree_rss(server.process.pid)))

    def stop(self) -> None:
        common.stop(*(server.process for server in self.servers.values() if server.process))

    def log_errors(self) -> dict[str, list[str]]:
        found = {}
        for server in self.servers.values():
            text = server.log.read_text(errors="replace") if server.log.exists() else ""
            found[server.role] = [
                line for line in text.splitlines() if " ERROR " in line or "CRITICAL" in line
            ]
        return found


def growth(samples: list[tuple[float, int]], start: float, end: float, window: float):
    """Mean RSS over the first `window` seconds of samples from `start` on (a worker
    restarted then has none in its own warm-up) and over the last `window` seconds
    before `end`, and the growth."""
    times = [t for t, _rss in samples if t >= start]
    if not times:
        return 0, 0, float("nan")
    first = [rss for t, rss in samples if times[0] <= t <= times[0] + window]
    last = [rss for t, rss in samples if end - window <= t <= end]
    if not first or not last:
        return 0, 0, float("nan")
    before, after = statistics.fmean(first), statistics.fmean(last)
    return before, after, after / before - 1


# Set-up and checks, in the servers' database (manage.py shell).

SETUP = """
import json
from django.test import Client
from forum import services
from forum.models import Board, Event, Follow, FollowLevel
from forum.tests.factories import make_registration, make_user
from mailbridge.tokens import reply_address

event = Event.objects.get(slug="intercoop-2007")
board = Board.objects.get(session=event.sessions.order_by("number").first())
author = make_user("banc@exemple.org", display_name="Banc d'essai")
make_registration(user=author, event=event)
thread = services.thread_create(board=board, author=author, title="Banc d'essai", body="Début.")
first = thread.posts.get(number=1)
members = []
for number in range({members}):
    person = make_user(f"membre{{number}}@exemple.org", display_name=f"Membre {{number}}")
    make_registration(user=person, event=event)
    level = FollowLevel.EMAIL if number < {followers} else FollowLevel.WEB
    Follow.objects.create(user=person, board=board, level=level)
    members.append([person.email, reply_address(person.pk, first.pk)])
client = Client()
client.force_login(author)
print(json.dumps({{"thread": thread.pk, "thread_url": thread.get_absolute_url(),
                  "board_url": board.get_absolute_url(), "members": members,
                  "session": client.cookies["sessionid"].value}}))
"""

STATE = """
import collections, json, re
from forum.models import Post
from mailbridge.models import InboundMessage
from mailbridge.models.inbound import PENDING_STATUSES
from realtime.groups import thread_group
from realtime.store import last_seq
marker = re.compile(r"soak-(mail|web)-(\\d+)\\b")
found = collections.Counter()
for body in Post.objects.filter(body_markdown__contains="soak-").values_list(
    "body_markdown", flat=True
):
    found.update(f"{{kind}}-{{number}}" for kind, number in marker.findall(body))
statuses = collections.Counter(InboundMessage.objects.values_list("status", flat=True))
print(json.dumps({{
    "pending": InboundMessage.objects.filter(status__in=PENDING_STATUSES).count(),
    "found": found, "statuses": statuses, "last_seq": last_seq(thread_group({thread})),
}}))
"""


def shell(env: dict, code: str) -> dict:
    command = [sys.executable, str(common.ROOT / "manage.py"), "shell", "-v", "0", "-c", code]
    output = common.run_checked(command, env, "manage.py shell", timeout=300)
    return json.loads(output.strip().splitlines()[-1])


def make_env(args, data_dir: Path, sink_port: int) -> tuple[dict, str | None]:
    env = common.base_env(data_dir)
    env.update(
        EMAIL_URL=f"smtp://127.0.0.1:{sink_port}",
        INTERCOOP_SMTP_TRUSTED_PEERS="127.0.0.1",  # the MTA in front
        INTERCOOP_MAIL_DOMAIN="lists.exemple.org",
    )
    if args.smoke:
        return env, None
    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith("postgres") or not redis_url:
        raise SystemExit("the full run needs DATABASE_URL=postgres://… and REDIS_URL=redis://…")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    database = common.database_create(url, urlsplit(url).path.lstrip("/") + "_soak")
    env.update(DATABASE_URL=database, REDIS_URL=redis_url)
    return env, database


# The run.


def run(args, plan: Plan, data_dir: Path, env: dict) -> dict:
    web_port, smtp_port = common.free_port(), common.free_port()
    intercoop = common.intercoop_command()
    if not args.smoke:  # `intercoop run` migrates and loads the programme itself
        common.run_checked([*intercoop, "seed"], env, "intercoop seed", timeout=300)
    t0 = time.monotonic()
    servers = Servers(env, data_dir, t0)
    if args.smoke:
        names = {"run": "web + SMTP + worker (`intercoop run`)"}
        servers.start("run", [*intercoop, "run", "--port", str(web_port),
                              "--smtp-port", str(smtp_port)])  # fmt: skip
    else:
        names = {
            "web": "web (`intercoop web`)",
            "smtp": "SMTP gateway (`intercoop smtp`)",
            "worker": "Celery worker (`intercoop worker`, restarted)",
            "beat": "beat (`intercoop beat`)",
        }
        servers.start("web", [*intercoop, "web", "--port", str(web_port)])
        servers.start("smtp", [*intercoop, "smtp", "--port", str(smtp_port)])
        servers.start("worker", [*intercoop, "worker", "--concurrency", str(args.concurrency)],
                      warm_up=plan.worker_warm_up)  # fmt: skip
        servers.start("beat", [*intercoop, "beat"])
    tally = Tally()
    threads: list[threading.Thread] = []
    stop, live_stop = threading.Event(), threading.Event()
    live: list[LiveClient] = [LiveClient() for _ in range(plan.live_clients)]
    try:
        first = next(iter(servers.servers.values()))
        common.wait_for_port(web_port, first.process, first.log, timeout=180)
        common.wait_for_port(smtp_port, first.process, first.log, greeting=b"220")
        made = shell(env, SETUP.format(members=MEMBERS, followers=EMAIL_FOLLOWERS))
        base = f"http://127.0.0.1:{web_port}"
        after = page_seq(base, made["thread"])
        url = f"ws://127.0.0.1:{web_port}/ws/threads/{made['thread']}/?after={after}"
        paths = [made["thread_url"], made["board_url"], "/"]
        cookie = f"sessionid={made['session']}"
        threads = [
            threading.Thread(target=live_clients, args=(url, base, live, live_stop), daemon=True),
            *(
                threading.Thread(
                    target=reader,
                    args=(stop, base, paths, cookie if n % 2 else "", plan, tally),
                    daemon=True,
                )
                for n in range(plan.readers)
            ),
            threading.Thread(
                target=web_poster,
                args=(stop, base, made["thread"], made["session"], plan, tally),
                daemon=True,
            ),
            threading.Thread(
                target=mailer, args=(stop, smtp_port, made["members"], plan, tally), daemon=True
            ),
        ]
        load_started = time.monotonic()
        for thread in threads:
            thread.start()
        restarts, next_restart = 0, load_started + (plan.restart_every or float("inf"))
        next_sample = load_started
        while time.monotonic() - load_started < plan.seconds:
            now = time.monotonic()
            if now >= next_restart:
                servers.restart("worker")
                restarts += 1
                next_restart += plan.restart_every
            if now >= next_sample:
                servers.sample()
                next_sample += plan.sample_every
            time.sleep(0.1)
        load_end = time.monotonic() - t0
        stop.deadline = time.monotonic() + 120  # the mailer's last retries
        stop.set()
        for thread in threads[1:]:
            thread.join(180)
        state_code = STATE.format(thread=made["thread"])
        _drain(env, state_code, 240 if not args.smoke else 60)
        time.sleep(2)  # the live events of the last posts, stored after their commit
        counts = shell(env, state_code)
        _wait_live(live, counts["last_seq"], 30)
    finally:
        stop.set()
        live_stop.set()
        threads and threads[0].join(30)  # the live clients close before the servers stop
        servers.stop()
    return {
        "plan": plan,
        "names": names,
        "servers": servers,
        "load_start": load_started - t0,
        "load_end": load_end,
        "tally": tally,
        "live": live,
        "expected_seqs": set(range(after + 1, counts["last_seq"] + 1)),
        "counts": counts,
        "pending": counts["pending"],
        "restarts": restarts,
        "log_errors": servers.log_errors(),
    }


def _drain(env: dict, state_code: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while shell(env, state_code)["pending"] and time.monotonic() < deadline:
        time.sleep(2)


def _wait_live(live: list[LiveClient], final: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(client.error or (client.seqs and client.seqs[-1] >= final) for client in live):
            return
        time.sleep(0.2)


def check(result: dict) -> dict:
    """Lost and duplicated posts, and the live clients' lost and duplicated events."""
    found = collections.Counter(result["counts"]["found"])
    tally: Tally = result["tally"]
    sent = {"mail": tally.mails, "web": tally.posts}
    checked = {}
    for kind, numbers in sent.items():
        checked[kind] = {
            "sent": len(numbers),
            "lost": sum(1 for n in numbers if found[f"{kind}-{n}"] == 0),
            "duplicated": sum(
                1 for key, count in found.items() if key.startswith(kind) and count > 1
            ),
        }
    expected = result["expected_seqs"]
    lost = duplicated = out_of_order = 0
    for client in result["live"]:
        seqs = client.seqs
        duplicated += len(seqs) - len(set(seqs))
        lost += len(expected - set(seqs))
        out_of_order += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b < a)
    checked["live"] = {
        "events": len(expected),
        "lost": lost,
        "duplicated": duplicated,
        "out_of_order": out_of_order,
        "errors": sum(1 for client in result["live"] if client.error),
    }
    return checked


def report(result: dict, checked: dict, args, loads: tuple[float, float]) -> list[str]:
    plan: Plan = result["plan"]
    tally: Tally = result["tally"]
    minutes = (result["load_end"] - result["load_start"]) / 60
    start = result["load_start"] + plan.warm_up
    end = result["load_end"]
    reads = sorted(tally.read_ms)
    log_errors = sum(len(lines) for lines in result["log_errors"].values())
    http_errors = tally.read_errors + tally.post_errors
    lines = [
        f"{minutes:.1f} minutes of mixed load"
        + (
            " (`--smoke`)"
            if args.smoke
            else f" (`python bench/soak.py --minutes {args.minutes:g}`)"
        )
        + f"; load average {loads[0]:.1f} at the start, {loads[1]:.1f} at the end"
        f"{common.busy_note(*loads)}; {common.machine()}.",
        "",
        f"- Load: {plan.readers} web readers ({tally.reads:,} pages, p50 "
        f"{common.percentile(reads, 50):.0f} ms, p99 {common.percentile(reads, 99):.0f} ms), "
        f"a web post every {plan.post_every:g} s, an email reply every {plan.mail_every:g} s "
        f"({MEMBERS} members in turn), {plan.live_clients} live clients on the thread"
        + (
            f", the worker restarted every {plan.restart_every / 60:g} min ({result['restarts']} "
            "restarts)."
            if plan.restart_every
            else "."
        ),
        f"- Errors: {http_errors} HTTP, {tally.mail_errors} SMTP 5xx, "
        f"{checked['live']['errors']} websockets, {log_errors} ERROR lines in the logs; "
        f"{tally.mail_deferred} SMTP 4xx or failed connections tried again, "
        f"{tally.mail_unsent} never accepted.",
        f"- Replies by email: {checked['mail']['sent']} accepted, "
        f"{checked['mail']['lost']} lost, {checked['mail']['duplicated']} duplicated; web posts: "
        f"{checked['web']['sent']} answered, {checked['web']['lost']} lost, "
        f"{checked['web']['duplicated']} duplicated; inbound statuses: "
        + ", ".join(f"{s} {n}" for s, n in sorted(result["counts"]["statuses"].items()))
        + f" ({result['pending']} still pending).",
        f"- Live: {checked['live']['events']} events to each of {plan.live_clients} clients, "
        f"{checked['live']['lost']} lost, {checked['live']['duplicated']} duplicated, "
        f"{checked['live']['out_of_order']} out of order.",
        "",
        f"Resident memory (VmRSS, process and children), mean of the {plan.window:.0f} s after "
        f"a {plan.warm_up:.0f} s warm-up and of the last {plan.window:.0f} s:",
        "",
        "| process | RSS after warm-up | RSS at the end | growth |",
        "|---|---|---|---|",
    ]
    for role, server in result["servers"].servers.items():
        before, after, change = growth(server.samples, start, end, plan.window)
        if not before:
            lines.append(f"| {result['names'][role]} | no samples | | |")
            continue
        lines.append(
            f"| {result['names'][role]} | {before / 1e6:,.0f} MB | {after / 1e6:,.0f} MB "
            f"| {change:+.1%} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__, "~20 s on `intercoop run` (SQLite), no docs")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--post-every", type=float, default=3.0)
    parser.add_argument("--mail-every", type=float, default=2.0)
    parser.add_argument("--live-clients", type=int, default=50)
    parser.add_argument("--restart-minutes", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the data dir and its logs")
    args = parser.parse_args(argv)
    plan = plan_of(args)
    data_dir = Path(tempfile.mkdtemp(prefix="intercoop-bench-soak-"))
    sink = common.Sink()
    env, database = make_env(args, data_dir, sink.port)
    load_start = common.load_average()
    try:
        result = run(args, plan, data_dir, env)
    finally:
        sink.stop()
        if database:
            common.database_drop(database)
        if args.keep:
            print(f"logs kept in {data_dir}", file=sys.stderr)
    checked = check(result)
    lines = report(result, checked, args, (load_start, common.load_average()))
    print("\n".join(lines))
    tally: Tally = result["tally"]
    for what in tally.errors[:10]:
        print(f"error: {what}", file=sys.stderr)
    for client in [client for client in result["live"] if client.error][:3]:
        print(f"live client: {client.error}", file=sys.stderr)
    for role, found in result["log_errors"].items():
        for line in found[:5]:
            print(f"{role} log: {line}", file=sys.stderr)
    if args.keep:
        samples = {role: server.samples for role, server in result["servers"].servers.items()}
        (data_dir / "rss.json").write_text(json.dumps(samples))
    if not args.smoke and not args.no_write:
        common.write_section(SECTION, lines)
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
