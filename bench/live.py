"""Live updates under load: 1,000 browsers on one thread page, against a bare broadcaster.

    python bench/live.py            # full run on PostgreSQL + Redis; writes the "Live"
                                    # section of docs/benchmarks.md
    python bench/live.py --smoke    # 20 clients, 5 posts, SQLite + in-memory layer;
                                    # writes nothing

Intercoop: `intercoop web` (uvicorn, Channels, channels_redis) serves a thread page;
N websocket clients connect to /ws/threads/<id>/?after=<seq> as live.js does; a
separate process then makes posts with `forum.services.post_add`, one every
200 ms, whose live pushes go through channels_redis. Baseline, in the same run: a
bare `websockets` server relaying a Redis pub/sub channel to N clients, fed by a
separate publisher at the same pace with a payload of the same size.

Measured per message and client: latency from commit (the `committed_at` the
pushing handler stamps right after the forum's commit; the publish time for the
baseline) to receipt; per client, connection set-up (TCP + handshake + "ready");
and that every client got every message exactly once.

The smoke run has no Redis to carry pushes from another process, so its posts go
through the reply form of the running server (the same post_add, in a view).
Load goes only to servers started here, on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402 - after the path is set

SECTION = "## Live"
BENCH_REDIS = os.environ.get("INTERCOOP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CONNECT_CONCURRENCY = 50
HEARTBEAT_SECONDS = 30
TARGET_P99_MS = 250
BODY = (
    "Message n° {n} de la session en direct. Nous avons **mutualisé** nos outils entre "
    "réseaux : un agenda partagé, un annuaire des membres et une liste de discussion par "
    "groupe de travail. Ce qui a marché : des rendez-vous réguliers, une personne qui "
    "anime, des comptes rendus courts. Ce qui reste difficile : faire vivre les échanges "
    "entre deux rencontres, et accueillir les nouveaux venus sans les noyer sous les "
    "messages.\n\n> Comment faites-vous chez vous ?\n\nÀ suivre pendant l'atelier."
)


# Measuring clients (shared by both servers), in CLIENT_PROCESSES processes.

CLIENT_PROCESSES = 2


@dataclass
class Client:
    setup_ms: float = 0.0
    ready_seq: int = 0
    received: list[tuple[int, float, float]] = field(default_factory=list)  # seq, sent, got
    error: str = ""


def role_clients(args) -> int:
    """Connect `count` clients; print "connected"; collect until each has `expected`
    messages (or `timeout` after the posting starts, which stdin announces); print JSON."""
    clients = common.run_async(
        _clients(args.url, args.origin, args.count, args.expected, args.timeout)
    )
    print("RESULT " + json.dumps([client.__dict__ for client in clients]), flush=True)
    return 0


async def _clients(url: str, origin: str, count: int, expected: int, timeout: float):
    from websockets.asyncio.client import connect

    clients = [Client() for _ in range(count)]
    sockets = []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(client: Client) -> None:
        async with gate:
            started = time.perf_counter()
            try:
                ws = await connect(url, origin=origin, open_timeout=120, max_size=2**22)
                while True:
                    message = json.loads(await ws.recv())
                    if message.get("type") == "ready":
                        client.ready_seq = message["seq"]
                        break
            except Exception as error:  # noqa: BLE001 - reported in the figures
                client.error = f"connect: {type(error).__name__}: {error}"
                return
            client.setup_ms = (time.perf_counter() - started) * 1000
            sockets.append((client, ws))

    async def collect(client: Client, ws) -> None:
        heartbeat = asyncio.create_task(_heartbeat(ws))
        try:
            async for raw in ws:
                got = time.time()
                message = json.loads(raw)
                if message.get("type") == "event":
                    # An event replayed from the store (a gap filled) has no commit time.
                    sent = message.get("data", {}).get("committed_at", float("nan"))
                    client.received.append((message["seq"], sent, got))
                    if len(client.received) >= expected:
                        break
        except Exception as error:  # noqa: BLE001
            client.error = f"receive: {type(error).__name__}: {error}"
        finally:
            heartbeat.cancel()

    await asyncio.gather(*(open_one(client) for client in clients))
    print("connected", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    collectors = [asyncio.create_task(collect(client, ws)) for client, ws in sockets]
    await asyncio.wait(collectors, timeout=timeout)
    for task in collectors:
        task.cancel()
    await asyncio.gather(*(ws.close() for _client, ws in sockets), return_exceptions=True)
    return clients


async def _heartbeat(ws) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        await ws.send(json.dumps({"type": "heartbeat"}))


def summarise(name: str, clients: list[Client], messages: int, elapsed: float) -> dict:
    """Each client must receive the `messages` events after the seq it was ready at."""
    latencies = []
    lost = duplicated = 0
    for client in clients:
        expected = set(range(client.ready_seq + 1, client.ready_seq + 1 + messages))
        seqs = [seq for seq, _sent, _got in client.received]
        duplicated += len(seqs) - len(set(seqs))
        lost += len(expected - set(seqs))
        latencies += [
            (got - sent) * 1000
            for seq, sent, got in client.received
            if seq in expected and sent == sent  # NaN: replayed, no commit time
        ]
    setups = sorted(client.setup_ms for client in clients if not client.error or client.setup_ms)
    latencies.sort()
    return {
        "name": name,
        "clients": len(clients),
        "messages": messages,
        "errors": [client.error for client in clients if client.error][:3],
        "error_count": sum(1 for client in clients if client.error),
        "lost": lost,
        "duplicated": duplicated,
        "p50": common.percentile(latencies, 50),
        "p99": common.percentile(latencies, 99),
        "max": latencies[-1] if latencies else float("nan"),
        "setup_p50": common.percentile(setups, 50),
        "setup_p99": common.percentile(setups, 99),
        "setup_max": setups[-1] if setups else float("nan"),
        "connect_all_s": elapsed,
    }


# Processes.


@dataclass
class Backend:
    """Where Intercoop keeps its data and carries its pushes for this run."""

    env: dict
    data_dir: Path
    uses_redis: bool

    def shell(self, code: str) -> dict:
        command = [sys.executable, str(common.ROOT / "manage.py"), "shell", "-v", "0", "-c", code]
        output = common.run_checked(command, self.env, "manage.py shell", timeout=300)
        return json.loads(output.strip().splitlines()[-1])


def make_backend(kind: str) -> Backend:
    data_dir = Path(tempfile.mkdtemp(prefix="intercoop-bench-live-"))
    env = common.base_env(data_dir)
    if kind == "embedded":
        return Backend(env=env, data_dir=data_dir, uses_redis=False)
    import redis

    redis.Redis.from_url(BENCH_REDIS).flushdb()
    env.update(
        DATABASE_URL=common.database_create(
            common.BENCH_DATABASE, f"intercoop_bench_{uuid.uuid4().hex[:8]}"
        ),
        REDIS_URL=BENCH_REDIS,
    )
    return Backend(env=env, data_dir=data_dir, uses_redis=True)


def drop_backend(backend: Backend) -> None:
    if "DATABASE_URL" in backend.env:
        common.database_drop(backend.env["DATABASE_URL"])
    shutil.rmtree(backend.data_dir, ignore_errors=True)


SETUP = """
import json
from django.test import Client
from forum import services
from forum.models import Board, Event
from forum.tests.factories import make_registration, make_user

event = Event.objects.get(slug="intercoop-2007")
board = Board.objects.get(session=event.sessions.order_by("number").first())
author = make_user("bench@exemple.org", display_name="Banc d'essai")
make_registration(user=author, event=event)
thread = services.thread_create(board=board, author=author, title="Banc d'essai", body="Début.")
client = Client()
client.force_login(author)
print(json.dumps({"thread": thread.pk, "author": author.pk,
                  "session": client.cookies["sessionid"].value}))
"""


def page_seq(base: str, thread_id: int) -> int:
    with urllib.request.urlopen(f"{base}/fils/{thread_id}/", timeout=30) as response:
        html = response.read().decode()
    return int(re.search(r'data-live-seq="(\d+)"', html).group(1))


def post_via_form(base: str, thread_id: int, session: str, body: str) -> None:
    """A reply through the thread page's form, as a signed-in browser sends it."""
    url = f"{base}/fils/{thread_id}/"
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        csrf = re.search(r"csrftoken=([^;]+)", response.headers.get("Set-Cookie", "")).group(1)
        html = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    key = re.search(r'name="submission_key" value="([^"]*)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "submission_key": key, "in_reply_to": "", "body": body}
    ).encode()
    request = urllib.request.Request(
        f"{base}/fils/{thread_id}/repondre/",
        data=data,
        headers={"Cookie": f"sessionid={session}; csrftoken={csrf}", "Referer": url},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status


# Roles run as separate processes.


def role_post(args) -> int:
    """Make `count` posts with the service, one every `interval` seconds."""
    common.django_setup()
    from django.contrib.auth import get_user_model

    from forum import services
    from forum.models import Thread

    thread = Thread.objects.get(pk=args.thread)
    author = get_user_model().objects.get(pk=args.author)
    # One post before the clients connect: a cold process (templates, connections)
    # would otherwise weigh on the first measured message only.
    services.post_add(draft=services.PostDraft(thread=thread, author=author, body=BODY.format(n=0)))
    print("warm", flush=True)
    sys.stdin.readline()
    start = time.monotonic()
    for number in range(args.count):
        time.sleep(max(0.0, start + number * args.interval - time.monotonic()))
        services.post_add(
            draft=services.PostDraft(thread=thread, author=author, body=BODY.format(n=number + 1))
        )
    return 0


def role_relay(args) -> int:
    """The baseline: a bare websockets server relaying a Redis pub/sub channel."""
    import redis.asyncio as aioredis
    from websockets.asyncio.server import broadcast, serve

    async def main():
        clients = set()

        async def handler(connection):
            clients.add(connection)
            try:
                await connection.send(json.dumps({"type": "ready", "seq": 0}))
                async for _message in connection:
                    pass
            finally:
                clients.discard(connection)

        pubsub = aioredis.from_url(args.redis).pubsub()
        await pubsub.subscribe(args.channel)
        async with serve(handler, "127.0.0.1", args.port, max_size=2**16):
            print("listening", flush=True)
            async for message in pubsub.listen():
                if message["type"] == "message":
                    broadcast(clients, message["data"].decode())

    asyncio.run(main())
    return 0


def role_publish(args) -> int:
    import redis

    client = redis.Redis.from_url(args.redis)
    payload = "x" * args.size
    start = time.monotonic()
    for number in range(args.count):
        time.sleep(max(0.0, start + number * args.interval - time.monotonic()))
        message = {
            "type": "event",
            "seq": number + 1,
            "html": payload,
            "data": {"committed_at": time.time()},
        }
        client.publish(args.channel, json.dumps(message))
    return 0


# The two measurements.


def _line_starting(process: subprocess.Popen, prefix: str) -> str | None:
    """The first line of `process`'s output that starts with `prefix` (others are
    warnings a library printed)."""
    for line in process.stdout:
        if line.startswith(prefix):
            return line.rstrip("\n")
    return None


def measure(name, url, origin, clients_count, messages, start_posting, timeout, server_pid):
    """Connect the clients (in CLIENT_PROCESSES processes), start posting, collect."""
    shares = [clients_count // CLIENT_PROCESSES] * CLIENT_PROCESSES
    shares[0] += clients_count - sum(shares)
    join_cpu_before = common.tree_cpu_seconds([server_pid])
    joining_from = time.time()
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            common.role_command(
                __file__,
                "clients",
                url=url,
                origin=origin,
                count=share,
                expected=messages,
                timeout=timeout,
            ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for share in shares
        if share
    ]
    for process in processes:
        if _line_starting(process, "connected") is None:
            raise SystemExit("a client process failed to start")
    connect_all = time.perf_counter() - started
    posting_from = time.time()
    cpu_before = common.tree_cpu_seconds([server_pid])
    join_cpu = cpu_before - join_cpu_before
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    poster = start_posting()
    clients = []
    for process in processes:
        result = _line_starting(process, "RESULT ")
        if result is None:
            raise SystemExit("a client process ended without its figures")
        clients += [Client(**fields) for fields in json.loads(result.removeprefix("RESULT "))]
        process.wait(30)
    cpu = common.tree_cpu_seconds([server_pid]) - cpu_before
    # Until the last message was received (the clients close their sockets after).
    received = [got for client in clients for _seq, _sent, got in client.received]
    windows = {
        "joins": (joining_from, posting_from),
        "posts": (posting_from, max(received, default=posting_from)),
    }
    if poster is not None:
        poster.wait(60)
    result = summarise(name, clients, messages, connect_all)
    delivered = sum(len(client.received) for client in clients)
    result["cpu_us"] = cpu / delivered * 1e6 if delivered else float("nan")
    # What a join costs the server (its processes' CPU while the clients connect), a
    # figure that other work on the machine changes less than the times.
    result["join_cpu_ms"] = join_cpu / clients_count * 1000
    result["windows"] = windows
    return result


COLLECTIONS = Path(__file__).resolve().parent / "collections"


def collections_env(env: dict, prefix: Path) -> dict:
    """`env` for a server whose garbage collections bench/collections/ records."""
    path = os.pathsep.join(filter(None, [str(COLLECTIONS), env.get("PYTHONPATH", "")]))
    return dict(env, PYTHONPATH=path, INTERCOOP_BENCH_COLLECTIONS=str(prefix))


def full_collections(prefix: Path, windows: dict) -> dict:
    """Per window: the full (generation-2) collections of the server's processes,
    {"count", "cpu_ms" (longest), "wall_ms" (longest)}."""
    time.sleep(0.6)  # the processes write every half second
    found = []
    for path in prefix.parent.glob(prefix.name + ".*.json"):
        found += [c for c in json.loads(path.read_text()) if c["generation"] == 2]
    summary = {}
    for name, (start, end) in windows.items():
        inside = [c for c in found if start <= c["at"] <= end]
        summary[name] = {
            "count": len(inside),
            "cpu_ms": max((c["cpu_ms"] for c in inside), default=0.0),
            "wall_ms": max((c["wall_ms"] for c in inside), default=0.0),
        }
    return summary


def run_intercoop(args, backend: Backend) -> tuple[dict, int]:
    common.run_checked(
        [*common.intercoop_command(), "seed"], backend.env, "intercoop seed", timeout=300
    )
    made = backend.shell(SETUP)
    port = common.free_port()
    log = backend.data_dir / "web.log"
    command = [*common.intercoop_command(), "web", "--port", str(port)]
    collections = backend.data_dir / "collections"
    server = common.start_logged(
        [*command, "--workers", str(args.web_workers)] if args.web_workers > 1 else command,
        log,
        collections_env(backend.env, collections),
    )
    try:
        common.wait_for_port(port, server, log)
        base = f"http://127.0.0.1:{port}"
        after = page_seq(base, made["thread"])
        url = f"ws://127.0.0.1:{port}/ws/threads/{made['thread']}/?after={after}"

        poster = None
        if backend.uses_redis:
            poster = subprocess.Popen(
                common.role_command(
                    __file__,
                    "post",
                    thread=made["thread"],
                    author=made["author"],
                    count=args.posts,
                    interval=args.interval,
                ),
                env=backend.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            if poster.stdout.readline().strip() != "warm":
                raise SystemExit("the posting process did not start")
        else:
            post_via_form(base, made["thread"], made["session"], BODY.format(n=0))  # warm-up

        def start_posting():
            if poster is not None:
                poster.stdin.write("go\n")
                poster.stdin.flush()
                return poster
            start = time.monotonic()
            for number in range(args.posts):
                time.sleep(max(0.0, start + number * args.interval - time.monotonic()))
                post_via_form(base, made["thread"], made["session"], BODY.format(n=number + 1))
            return None

        result = measure(
            "Intercoop",
            url,
            base,
            args.clients,
            args.posts,
            start_posting,
            args.timeout,
            server.pid,
        )
        result["collections"] = full_collections(collections, result["windows"])
        size = _fragment_size(backend)
        return result, size
    finally:
        common.stop(server)
        if os.environ.get("INTERCOOP_BENCH_SHOW_LOG"):
            print(log.read_text(errors="replace")[-5000:], file=sys.stderr)


def _fragment_size(backend: Backend) -> int:
    made = backend.shell(
        "import json\nfrom realtime.models import LiveEvent\n"
        "event = LiveEvent.objects.filter(kind='thread.post').order_by('-seq').first()\n"
        "print(json.dumps({'size': len(event.html.get('fr', '')) if event else 2000}))"
    )
    return made["size"]


def run_baseline(args, size: int) -> dict:
    port = common.free_port()
    channel = f"bench-live-{uuid.uuid4().hex[:8]}"
    log = Path(tempfile.mkstemp(prefix="intercoop-relay-", suffix=".log")[1])
    relay = common.start_logged(
        common.role_command(__file__, "relay", port=port, redis=BENCH_REDIS, channel=channel), log
    )
    try:
        common.wait_for_port(port, relay, log)

        def start_posting():
            return subprocess.Popen(
                common.role_command(
                    __file__,
                    "publish",
                    redis=BENCH_REDIS,
                    channel=channel,
                    count=args.posts,
                    interval=args.interval,
                    size=size,
                )
            )

        base = f"http://127.0.0.1:{port}"
        return measure(
            "bare websockets + Redis pub/sub",
            f"ws://127.0.0.1:{port}/",
            base,
            args.clients,
            args.posts,
            start_posting,
            args.timeout,
            relay.pid,
        )
    finally:
        common.stop(relay)
        log.unlink(missing_ok=True)


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BENCH_REDIS, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


# Report.


def _row(result: dict) -> str:
    return (
        f"| {result['name']} | {result['clients']:,} | {result['messages']} "
        f"| {result['p50']:.0f} | {result['p99']:.0f} | {result['max']:.0f} "
        f"| {result['setup_p50']:.0f} / {result['setup_p99']:.0f} / {result['setup_max']:.0f} "
        f"| {result['connect_all_s']:.1f} | {result['join_cpu_ms']:.2f} | {result['cpu_us']:.0f} "
        f"| {result['lost']} | {result['duplicated']} |"
    )


def report(args, ours: dict, baseline: dict | None, backend_name: str) -> list[str]:
    lines = [
        f"`python bench/live.py{' --smoke' if args.smoke else ''}`, {dt.date.today()}, "
        f"{common.machine()}; {backend_name}.",
        "",
        f"{ours['clients']:,} websocket clients on one thread page, {ours['messages']} posts "
        f"made one every {int(args.interval * 1000)} ms. Latency: commit → receipt, per "
        "message and client (ms). Set-up: TCP connect → handshake → first message (ms, "
        "p50 / p99 / max; at most "
        f'{CONNECT_CONCURRENCY} handshakes at once); "all connected": seconds until every '
        "client was.",
        "",
        "| server | clients | messages | p50 | p99 | max | set-up | all connected (s) "
        "| server CPU per join (ms) | server CPU per message (µs) | lost | duplicated |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
        _row(ours),
    ]
    if baseline is not None:
        lines.append(_row(baseline))
    for result in (ours, baseline):
        if result and result["error_count"]:
            lines.append(
                f"\n{result['name']}: {result['error_count']} clients failed, e.g. "
                + "; ".join(result["errors"])
            )
    lines.append("")
    if ours.get("collections"):
        joins, posts = ours["collections"]["joins"], ours["collections"]["posts"]
        lines += [
            "Full garbage collections in Intercoop's web process (bench/collections/): "
            f"{joins['count']} while the clients joined (longest {joins['cpu_ms']:.0f} ms "
            f"of CPU, {joins['wall_ms']:.0f} ms), {posts['count']} while the posts were "
            f"delivered (longest {posts['cpu_ms']:.0f} ms of CPU, {posts['wall_ms']:.0f} ms).",
            "",
        ]
    if baseline is not None and baseline["p99"] > 0:
        ratio = ours["p99"] / baseline["p99"]
        verdict = (
            "met"
            if ours["p99"] <= TARGET_P99_MS
            and ratio <= 3
            and not ours["lost"]
            and not ours["duplicated"]
            else "NOT met"
        )
        lines.append(
            f"Intercoop's p99 is {ratio:.1f}× the bare broadcaster's "
            f"(target: p99 ≤ {TARGET_P99_MS} ms and ≤ 3× the baseline, nothing lost or "
            f"duplicated: {verdict})."
        )
    else:
        lines.append("Baseline not measured: no Redis reachable at " + BENCH_REDIS + ".")
    lines += [
        "",
        "Intercoop's side: a separate process calls `forum.services.post_add`; after "
        "the commit, `realtime.publish` renders the fragment (`forum/_post.html`, French "
        "and English), numbers and stores it (`realtime.store`), and publishes it once "
        "(channels_redis pub/sub); the web process receives it once and hands it to its "
        "readers (`realtime/fanout.py`), uvicorn without per-message deflate. The "
        "baseline publishes a payload of the fragment's size to a Redis channel that a "
        "bare `websockets` server `broadcast()`s. Clients: asyncio `websockets` clients "
        f"in {CLIENT_PROCESSES} processes. Server CPU per message: the server process's "
        "CPU time while the posts are made, divided by the messages delivered. The "
        "machine is shared with other work: expect run-to-run variation, mostly in the "
        "tails.",
    ]
    return lines


def _raise_open_files_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="20 clients, 5 posts, no docs")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--posts", type=int)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--backend", choices=["redis", "embedded"])
    parser.add_argument(
        "--web-workers", type=int, default=1, help="`intercoop web --workers` (Redis only)"
    )
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--role", choices=["post", "relay", "publish", "clients"], help=argparse.SUPPRESS
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--origin", help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--thread", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--author", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("--channel", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.role == "post":
        return role_post(args)
    if args.role == "relay":
        return role_relay(args)
    if args.role == "publish":
        return role_publish(args)
    if args.role == "clients":
        _raise_open_files_limit(args.count * 2 + 256)
        return role_clients(args)

    args.clients = args.clients or (20 if args.smoke else 1000)
    args.posts = args.posts or (5 if args.smoke else 50)
    kind = args.backend or ("embedded" if args.smoke else "redis")
    _raise_open_files_limit(args.clients * 2 + 256)

    loads = [common.load_average()]
    backend = make_backend(kind)
    try:
        ours, size = run_intercoop(args, backend)
    finally:
        drop_backend(backend)
    baseline = run_baseline(args, size) if _redis_reachable() else None
    workers = f"{args.web_workers} uvicorn worker{'s' if args.web_workers > 1 else ''}"
    backend_name = (
        f"PostgreSQL + Redis (channels_redis), `intercoop web` ({workers})"
        if kind == "redis"
        else "SQLite + in-memory channel layer, `intercoop web`; posts through the reply form"
    )
    loads.append(common.load_average())
    lines = report(args, ours, baseline, backend_name)
    lines += [
        "",
        f"Load average of the machine (1 min) at the start and the end: {loads[0]:.1f} and "
        f"{loads[1]:.1f} ({os.cpu_count()} cores){common.busy_note(*loads)}.",
    ]
    print("\n".join(lines))
    if not args.smoke and not args.no_write:
        common.write_section(SECTION, lines, keep_subsections=True)
    failed = ours["lost"] or ours["duplicated"] or ours["error_count"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
