"""Web pages: a thread of 50 posts and a board of 200 threads, against a minimal
Django application served by the same ASGI server, in the same run.

    python bench/web.py               # SQLite, then PostgreSQL if it answers; writes the
                                      # "Web pages" section of docs/benchmarks.md
    python bench/web.py --postgres    # PostgreSQL required (an error if it does not answer)
    python bench/web.py --sqlite      # SQLite only
    python bench/web.py --smoke       # tiny data, 2 s per page, SQLite; writes nothing
    python bench/web.py --server granian --no-write
                                      # both the product and the baseline on granian
                                      # (pip install granian; not a dependency), to compare
                                      # servers: prints, writes nothing

For each database the bench prepares a data directory of its own (a temporary
one): `intercoop seed` loads the programme, then the forum's own services
(forum.services.thread_create / post_add) write a thread of 50 posts by a dozen
people with profiles and networks (French Markdown, replies answering a post, some
quoting it) in a session's board, with 199 other threads beside it. The server is
`intercoop web --port P` (uvicorn, 1 worker), as in production.

The baseline is a minimal Django application (bench/minimal_site.py: one view, no
middleware, no database, a 170-byte page), served by the same ASGI server with the
same options (config.cli.serve_asgi) in a process of its own, measured in the same
rounds as the pages. `/healthz` (the product's own minimal page, through its whole
middleware stack) is a row too: what the middleware costs.

The load comes from a separate process (this file, `--role load`): an asyncio
HTTP/1.1 client on raw sockets, 16 keep-alive connections each sending its next
request when the previous answer is read (a closed loop). After a warm-up, each
page gets its measuring time in rounds, the pages taking turns, so that a drift of
the machine weighs on all of them alike. Latency runs from the request written to
the last byte of the answer read; an error is any answer but 200, or a broken
connection. The same client against a canned-response asyncio server gives its own
ceiling, reported beside the figures so that one can see it was not the limit.

PostgreSQL: a database of its own, `intercoop_bench_web`, on the server of
INTERCOOP_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432), created
afresh and dropped at the end; no other database is touched. No Redis: reading
pages uses neither the channel layer nor the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402 - after the path is set

SECTION = "## Web pages"
# Of this run's own: two runs at once (other work on the machine) do not share it.
BENCH_DATABASE_NAME = f"intercoop_bench_web_{os.getpid()}"

CLIENTS = 16
FULL = {"posts": 50, "threads": 200, "warmup": 3.0, "duration": 30.0, "rounds": 3}
SMOKE = {"posts": 5, "threads": 8, "warmup": 0.5, "duration": 2.0, "rounds": 1}
# Of the minimal page's rate: anonymous readers, signed-in participants, /healthz.
TARGET_ANONYMOUS = 0.50
TARGET_SIGNED_IN = 0.40
TARGET_HEALTHZ = 0.80
TARGET_P99_MS = 100.0


# The data: people, and French Markdown as the community writes it.

PEOPLE = [
    ("Hélène Marchand", "helene.marchand", "Réseau des écoles coopératives"),
    ("Karim Benali", "karim.benali", "Fing — Intelligence collective"),
    ("Sophie Delacroix", "sophie.delacroix", "Réseau des écoles coopératives"),
    ("Jean-Baptiste Morel", "jb.morel", "Rencontres d'Autrans"),
    ("Amélie Nguyen", "amelie.nguyen", "Collectivités en réseau"),
    ("Thierry Lemoine", "thierry.lemoine", "Fédération des centres sociaux"),
    ("Nadia Haddad", "nadia.haddad", "Fing — Intelligence collective"),
    ("François Girard", "francois.girard", "Réseau des missions locales"),
    ("Claire Dubois", "claire.dubois", "Collectivités en réseau"),
    ("Mathieu Roussel", "mathieu.roussel", "Rencontres d'Autrans"),
    ("Élodie Perrin", "elodie.perrin", "Fédération des centres sociaux"),
    ("Yves Le Gall", "yves.legall", "Réseau des missions locales"),
]

OPENINGS = [
    "Bonjour à toutes et à tous,",
    "Merci pour ce compte rendu très complet.",
    "Je rebondis sur ce qui a été dit ce matin.",
    "Petite précision, pour celles et ceux qui n'étaient pas à l'atelier :",
    "Bonsoir,",
    "Je partage tout à fait ce constat.",
    "Je ne suis pas tout à fait d'accord, ou plutôt : ça dépend du réseau.",
]

PARAGRAPHS = [
    "Chez nous, le **wiki** a d'abord servi de dépôt de documents, puis il est devenu "
    "l'endroit où l'on prépare les rencontres à plusieurs. La bascule a eu lieu quand une "
    "personne s'est chargée de *relancer* chaque semaine les contributeurs.",
    "Le plus difficile n'est pas l'outil mais le temps : les bénévoles découvrent une liste "
    "de discussion, un forum, un agenda partagé, et ne savent plus où regarder. Nous avons "
    "fini par choisir **un seul endroit** par usage, et l'écrire noir sur blanc dans notre "
    "charte.",
    "Quelques pistes qui ont marché dans notre réseau :\n\n"
    "- un compte rendu court (une page au plus) après chaque réunion ;\n"
    "- une personne qui anime la liste, à tour de rôle ;\n"
    "- des fils thématiques plutôt qu'une seule discussion qui part dans tous les sens.",
    "Sur la question des experts : nous invitons des chercheurs à nos journées, mais la "
    "parole des professionnels de terrain reste première. Les experts *éclairent*, ils ne "
    "décident pas.",
    "Pour les collectivités, la question juridique revient toujours : qui est responsable "
    "de ce qui est publié ? Nous avons rédigé une [charte de modération]"
    "(https://www.intercoop.info/charte) qui tient en dix lignes, et cela suffit la plupart "
    "du temps.",
    "Nous utilisons les flux RSS pour suivre les blogs des adhérents : un agrégateur sur "
    "la page d'accueil, et chacun retrouve ce que les autres ont publié dans la semaine. "
    "C'est simple, et c'est sans doute ce qui a le plus changé nos habitudes.",
    "Attention à ne pas opposer les anciens outils et les nouveaux. La **liste de "
    "discussion** reste le lieu où tout le monde lit ; le blog est celui où quelques-uns "
    "écrivent. Les deux se complètent.",
    "Trois questions que je me pose encore :\n\n"
    "1. Comment accueillir les nouveaux venus sans les noyer sous les messages ?\n"
    "2. Qui fait vivre les échanges entre deux rencontres ?\n"
    "3. Comment garder une trace de ce qui a été décidé ?",
    "Dans les centres sociaux, l'ordinateur n'est pas toujours là : beaucoup d'habitants "
    "participent par téléphone, ou en passant à l'accueil. Le web 2.0 ne doit pas faire "
    "oublier celles et ceux qui n'y sont pas.",
    "Nous avons essayé une banque d'images partagée sous licence *Creative Commons* : les "
    "photos des rencontres y sont versées par les participants, et chaque réseau peut les "
    "reprendre en citant l'auteur. Cela a créé des liens inattendus.",
    "Un retour d'expérience chiffré, pour nourrir le débat : sur 40 structures adhérentes, "
    "une quinzaine écrivent régulièrement, une dizaine lisent sans écrire, et le reste "
    "attend qu'on l'appelle. Ce n'est pas si mal !",
    "Je propose que l'on garde ce fil ouvert jusqu'à la session de vendredi, pour préparer "
    "ensemble les questions que nous poserons aux intervenants.",
]

CLOSINGS = [
    "À bientôt,",
    "Bonne journée à toutes et à tous.",
    "Au plaisir d'en discuter vendredi.",
    "Amitiés coopératives,",
    "",
]

TITLES = [
    "Compte rendu de l'atelier « outils collaboratifs »",
    "Wikis et listes : lequel pour quel usage ?",
    "Accueillir les nouveaux adhérents",
    "La charte de modération de notre réseau",
    "Agrégateurs RSS : retours d'expérience",
    "Experts et professionnels : qui parle ?",
    "Préparer la session de vendredi",
    "Banques d'images libres : comment faire ?",
    "Animer une liste de discussion",
    "Les freins culturels dans nos organisations",
    "Faire vivre les échanges entre deux rencontres",
    "Collectivités : publier en ligne, qui est responsable ?",
]


def _body(number: int) -> str:
    """A post of two or three paragraphs, signed; varies with `number`."""
    parts = [OPENINGS[number % len(OPENINGS)]]
    for offset in range(2 + number % 2):
        parts.append(PARAGRAPHS[(number * 5 + offset * 7) % len(PARAGRAPHS)])
    closing = CLOSINGS[number % len(CLOSINGS)]
    if closing:
        parts.append(closing)
    return "\n\n".join(parts)


def role_prepare(args) -> int:
    """In a process set up on the bench's data dir: people, the thread, the board."""
    common.django_setup()
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from forum import services
    from forum.models import Board, Event, Post, Thread
    from forum.rendering import markdown_quote
    from forum.tests.factories import make_network, make_registration, make_user

    event = Event.objects.get(slug="intercoop-2007")
    board = Board.objects.filter(session__event=event).order_by("session__number").first()
    people = []
    with transaction.atomic():
        for name, login, network in PEOPLE:
            # No password: these people only write through the services (and one
            # reader signs in with force_login), so no time goes into hashing.
            user = make_user(f"{login}@exemple.org", password=None, display_name=name)
            make_registration(user=user, event=event, network=make_network(network))
            user.profile.network = make_network(network)
            user.profile.save(update_fields=["network"])
            people.append(user)
    reader = make_user("lectrice@exemple.org", password=None, display_name="Lectrice assidue")
    make_registration(user=reader, event=event)

    # The thread under test: 50 posts, about a third answering an earlier post, and
    # every other one of those quoting it.
    first = people[0]
    thread = services.thread_create(
        board=board, author=first, title=TITLES[0], body=_body(0), submission_key="bench-0"
    )
    posts = list(thread.posts.all())
    for number in range(1, args.posts):
        author = people[number % len(people)]
        body = _body(number)
        answered = None
        if number % 3 == 0:
            answered = posts[(number * 7) % len(posts)]
            if number % 2 == 0:
                excerpt = answered.body_markdown.split("\n\n")[1]
                attribution = f"{answered.author.profile.display_name} a écrit :"
                body = markdown_quote(excerpt, attribution) + body
        posts.append(
            services.post_add(
                draft=services.PostDraft(
                    thread=thread, author=author, body=body, in_reply_to=answered
                )
            )
        )

    # The rest of the board: short threads of one to four posts.
    for number in range(1, args.threads):
        author = people[(number * 5) % len(people)]
        title = f"{TITLES[number % len(TITLES)]} ({number})"
        other = services.thread_create(board=board, author=author, title=title, body=_body(number))
        for reply in range(number % 4):
            services.post_add(
                draft=services.PostDraft(
                    thread=other,
                    author=people[(number + reply + 1) % len(people)],
                    body=_body(number + reply + 1),
                )
            )

    # Spread the dates over the last three days, as a real board has them; the thread
    # under test gets the latest, at the top of the board.
    start = timezone.now() - dt.timedelta(days=3)
    ordered = sorted(
        Post.objects.only("pk", "thread_id", "number"),
        key=lambda post: (post.thread_id == thread.pk, post.thread_id, post.number),
    )
    step = dt.timedelta(days=3) / max(1, len(ordered))
    with transaction.atomic():
        for index, post in enumerate(ordered):
            Post.objects.filter(pk=post.pk).update(created_at=start + index * step)
        for other in Thread.objects.filter(board__event=event):
            dates = other.posts.order_by("number").values_list("created_at", flat=True)
            Thread.objects.filter(pk=other.pk).update(
                created_at=dates.first(), last_post_at=dates.last()
            )

    client = Client()
    client.force_login(reader)
    print(
        json.dumps(
            {
                "thread": thread.pk,
                "board": board.slug,
                "posts": thread.posts.count(),
                "threads": board.threads.count(),
                "people": len(people),
                "replies": sum(1 for post in posts if post.in_reply_to_id),
                "quotes": sum(1 for post in posts if " a écrit :\n\n> " in post.body_markdown),
                "session": client.cookies["sessionid"].value,
            }
        )
    )
    return 0


# The load generator (its own process).


class _Counts:
    __slots__ = ("ok", "errors", "statuses")

    def __init__(self):
        self.ok = 0
        self.errors = 0
        self.statuses: dict[str, int] = {}


CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 answer whole; returns its status and whether the connection
    stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    match = CONTENT_LENGTH.search(head)
    if match:
        await reader.readexactly(int(match.group(1)))
    elif b"\r\ntransfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, b"\r\nconnection: close" not in lower


async def _client(host, port, request: bytes, stop_at: float, latencies, counts: _Counts):
    reader = writer = None
    clock = time.perf_counter
    while clock() < stop_at:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError as exc:
                counts.errors += 1
                counts.statuses[type(exc).__name__] = counts.statuses.get(type(exc).__name__, 0) + 1
                await asyncio.sleep(0.05)
                continue
        started = clock()
        try:
            writer.write(request)
            status, keep_alive = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            counts.errors += 1
            counts.statuses[type(exc).__name__] = counts.statuses.get(type(exc).__name__, 0) + 1
            writer.close()
            writer = None
            continue
        finished = clock()
        if status == 200:
            counts.ok += 1
            if latencies is not None:
                latencies.append(finished - started)
        else:
            counts.errors += 1
            counts.statuses[str(status)] = counts.statuses.get(str(status), 0) + 1
        if not keep_alive:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _measure(plan: dict, page: dict, seconds: float, record: bool) -> dict:
    port = page.get("port", plan["port"])
    headers = [f"GET {page['path']} HTTP/1.1", f"Host: {plan['host']}:{port}"]
    headers += ["User-Agent: intercoop-bench", "Accept: text/html", "Accept-Language: fr"]
    if page.get("cookie"):
        headers.append(f"Cookie: {page['cookie']}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
    latencies: list[float] | None = [] if record else None
    counts = _Counts()
    server_pid = page.get("server_pid", plan.get("server_pid"))
    server_cpu = common.tree_cpu_seconds([server_pid])
    own_cpu = time.process_time()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(
            _client(plan["host"], port, request, stop_at, latencies, counts)
            for _ in range(plan["clients"])
        )
    )
    elapsed = time.perf_counter() - started
    return {
        "ok": counts.ok,
        "errors": counts.errors,
        "statuses": counts.statuses,
        "elapsed": elapsed,
        "latencies": latencies or [],
        "server_cpu": common.tree_cpu_seconds([server_pid]) - server_cpu,
        "own_cpu": time.process_time() - own_cpu,
    }


async def _load(plan: dict) -> dict:
    for page in plan["pages"]:
        if plan["warmup"]:
            await _measure(plan, page, plan["warmup"], record=False)
    totals = {
        page["name"]: {
            "ok": 0,
            "errors": 0,
            "elapsed": 0.0,
            "latencies": [],
            "statuses": {},
            "server_cpu": 0.0,
            "own_cpu": 0.0,
        }
        for page in plan["pages"]
    }
    per_round = plan["duration"] / plan["rounds"]
    for _round in range(plan["rounds"]):
        for page in plan["pages"]:
            result = await _measure(plan, page, per_round, record=True)
            total = totals[page["name"]]
            for key in ("ok", "errors", "elapsed", "server_cpu", "own_cpu"):
                total[key] += result[key]
            total["latencies"] += result["latencies"]
            for status, count in result["statuses"].items():
                total["statuses"][status] = total["statuses"].get(status, 0) + count
    summary = {}
    for name, total in totals.items():
        ordered = sorted(total["latencies"])
        elapsed = total["elapsed"] or 1e-9
        summary[name] = {
            "requests": total["ok"],
            "errors": total["errors"],
            "statuses": total["statuses"],
            "seconds": round(elapsed, 3),
            "rps": total["ok"] / elapsed,
            "p50_ms": common.percentile(ordered, 50) * 1000,
            "p95_ms": common.percentile(ordered, 95) * 1000,
            "p99_ms": common.percentile(ordered, 99) * 1000,
            "max_ms": (ordered[-1] if ordered else float("nan")) * 1000,
            "server_cpu": total["server_cpu"] / elapsed,
            "generator_cpu": total["own_cpu"] / elapsed,
        }
    return summary


def role_load(args) -> int:
    print(json.dumps(common.run_async(_load(json.loads(args.plan)))))
    return 0


# A canned-response server, to measure the load generator's own ceiling.


class _Canned(asyncio.Protocol):
    ANSWER = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 2\r\n\r\nok"
    )

    def connection_made(self, transport):
        self.transport = transport
        self.pending = b""

    def data_received(self, data):
        self.pending += data
        count = self.pending.count(b"\r\n\r\n")
        if count:
            self.pending = self.pending.rsplit(b"\r\n\r\n", 1)[1]
            self.transport.write(self.ANSWER * count)


def role_minimal(args) -> int:
    """The baseline: bench/minimal_site.py on the ASGI server of `intercoop web`."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.minimal_site"
    from config.cli import serve_asgi

    serve_asgi("bench.minimal_site:application", host="127.0.0.1", port=args.port, factory=True)
    return 0


def role_canned(args) -> int:
    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Canned, "127.0.0.1", args.port)
        async with server:
            await server.serve_forever()

    common.run_async(serve())
    return 0


# Processes.


def _fetch(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def _check_pages(base: str, minimal: str, data: dict, cookie: str, board_rows: int) -> dict:
    """The pages are what the bench says they are, before any load is sent."""
    status, text = _fetch(f"{minimal}/")
    if status != 200 or len(text.encode()) != 170:
        raise SystemExit(f"the minimal page answered {status}, {len(text.encode())} bytes")
    sizes = {"minimal": len(text.encode())}
    status, text = _fetch(f"{base}/healthz")
    if (status, text) != (200, "ok"):
        raise SystemExit(f"/healthz answered {status} {text[:80]!r}")
    sizes["healthz"] = len(text)
    status, html = _fetch(f"{base}/fils/{data['thread']}/")
    shown = html.count(" data-post>")
    if status != 200 or shown != data["posts"]:
        raise SystemExit(f"thread page: {status}, {shown} posts shown for {data['posts']}")
    sizes["thread"] = len(html.encode())
    status, html = _fetch(f"{base}/forums/{data['board']}/")
    rows = html.count('class="thread-row')
    if status != 200 or rows != board_rows:
        raise SystemExit(f"board page: {status}, {rows} threads shown for {board_rows}")
    sizes["board"] = len(html.encode())
    status, html = _fetch(f"{base}/fils/{data['thread']}/", cookie)
    if status != 200 or "data-reply-form" not in html:
        raise SystemExit(f"thread page signed in: {status}, no reply form")
    sizes["thread_signed_in"] = len(html.encode())
    return sizes


def _granian(target: str, port: int, *, factory: bool = False) -> list[str]:
    """`target` served by granian (ASGI without lifespan, which Django does not speak),
    1 worker, its event loop uvloop as uvicorn's is here."""
    command = [sys.executable, "-m", "granian", "--interface", "asginl", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1", "--loop", "uvloop", "--log-level", "warning"]
    return [*command, *(["--factory"] if factory else []), target]


def _servers(args, port: int, minimal_port: int) -> tuple[list[str], list[str]]:
    """The commands serving the product and the baseline, on the same server."""
    if args.server == "granian":
        return (
            _granian("config.asgi:application", port),
            _granian("bench.minimal_site:application", minimal_port, factory=True),
        )
    return (
        [*common.intercoop_command(), "web", "--port", str(port)],
        common.role_command(__file__, "minimal", port=minimal_port),
    )


def run_backend(args, kind: str, sizes_wanted: dict) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="intercoop-bench-web-"))
    env = common.base_env(data_dir, also_dropped=("DEBUG", "ALLOWED_HOSTS"))
    server = minimal = None
    try:
        if kind == "postgresql":
            env["DATABASE_URL"] = common.database_create(common.BENCH_DATABASE, BENCH_DATABASE_NAME)
        common.run_checked([*common.intercoop_command(), "seed"], env, "intercoop seed")
        started = time.monotonic()
        data = json.loads(
            common.run_checked(
                common.role_command(
                    __file__,
                    "prepare",
                    posts=sizes_wanted["posts"],
                    threads=sizes_wanted["threads"],
                ),
                env,
                "preparing the data",
            ).splitlines()[-1]
        )
        print(
            f"[{kind}] data: thread of {data['posts']} posts ({data['replies']} replies, "
            f"{data['quotes']} quoting), board of {data['threads']} threads, "
            f"{data['people']} authors ({time.monotonic() - started:.0f} s)",
            flush=True,
        )

        port, minimal_port = common.free_port(), common.free_port()
        product_command, minimal_command = _servers(args, port, minimal_port)
        log = data_dir / "web.log"
        server = common.start_logged(product_command, log, env)
        minimal_log = data_dir / "minimal.log"
        minimal_env = dict(env, DJANGO_SETTINGS_MODULE="bench.minimal_site")
        minimal = common.start_logged(minimal_command, minimal_log, minimal_env)
        common.wait_for_port(port, server, log, interval=0.1)
        common.wait_for_port(minimal_port, minimal, minimal_log, interval=0.1)
        base = f"http://127.0.0.1:{port}"
        cookie = f"sessionid={data['session']}"
        sizes = _check_pages(
            base, f"http://127.0.0.1:{minimal_port}", data, cookie, min(50, data["threads"])
        )

        pages = [
            {"name": "minimal", "path": "/", "port": minimal_port, "server_pid": minimal.pid},
            {"name": "healthz", "path": "/healthz"},
            {"name": "thread", "path": f"/fils/{data['thread']}/"},
            {"name": "board", "path": f"/forums/{data['board']}/"},
        ]
        if not args.anonymous_only:
            pages.append(
                {"name": "thread_signed_in", "path": f"/fils/{data['thread']}/", "cookie": cookie}
            )
        plan = {
            "host": "127.0.0.1",
            "port": port,
            "clients": args.clients,
            "warmup": args.warmup,
            "duration": args.duration,
            "rounds": args.rounds,
            "server_pid": server.pid,
            "pages": pages,
        }
        print(
            f"[{kind}] {args.clients} clients, {args.warmup:g} s warm-up, then "
            f"{args.duration:g} s per page in {args.rounds} round(s)…",
            flush=True,
        )
        load_before = common.load_average()
        results = json.loads(
            common.run_checked(
                common.role_command(__file__, "load", plan=json.dumps(plan)),
                env,
                "the load generator",
                timeout=args.warmup * len(pages) + args.duration * len(pages) + 120,
            )
        )
        log_lines = log.read_text(errors="replace").splitlines()
        log_lines += minimal_log.read_text(errors="replace").splitlines()
        errors_logged = [line for line in log_lines if "Traceback" in line]
        if errors_logged:
            first = next(n for n, line in enumerate(log_lines) if "Traceback" in line)
            print(
                f"{kind}: the server logged {len(errors_logged)} tracebacks; the first:",
                *log_lines[max(0, first - 2) : first + 40],
                sep="\n",
                file=sys.stderr,
            )
        for name, result in results.items():
            if result["errors"]:
                print(f"{kind}: {name}: errors {result['statuses']}", file=sys.stderr)
        return {
            "kind": kind,
            "data": data,
            "sizes": sizes,
            "results": results,
            "server_tracebacks": len(errors_logged),
            "load": (load_before, common.load_average()),
        }
    finally:
        common.stop(*(process for process in (server, minimal) if process is not None))
        if "DATABASE_URL" in env:
            try:
                common.database_drop(env["DATABASE_URL"])
            except Exception as exc:  # the figures matter more than the cleanup
                print(f"could not drop {BENCH_DATABASE_NAME}: {exc}", file=sys.stderr)
        shutil.rmtree(data_dir, ignore_errors=True)


def generator_ceiling(args) -> dict:
    """The load generator against a canned-response asyncio server."""
    port = common.free_port()
    log = Path(tempfile.mkdtemp(prefix="intercoop-bench-web-canned-")) / "canned.log"
    canned = common.start_logged(common.role_command(__file__, "canned", port=port), log)
    try:
        common.wait_for_port(port, canned, log, interval=0.1)
        plan = {
            "host": "127.0.0.1",
            "port": port,
            "clients": args.clients,
            "warmup": 0.5,
            "duration": 1.0 if args.smoke else 5.0,
            "rounds": 1,
            "server_pid": canned.pid,
            "pages": [{"name": "canned", "path": "/healthz"}],
        }
        output = common.run_checked(
            common.role_command(__file__, "load", plan=json.dumps(plan)),
            dict(os.environ),
            "the load generator (ceiling)",
            timeout=60,
        )
        return json.loads(output)["canned"]
    finally:
        common.stop(canned)
        shutil.rmtree(log.parent, ignore_errors=True)


# Report.

LABELS = {
    "minimal": "minimal Django page (bench/minimal_site.py: the baseline)",
    "healthz": "`GET /healthz` (through the whole middleware stack)",
    "thread": "thread page, {posts} posts, anonymous",
    "board": "board page, {threads} threads ({shown} shown), anonymous",
    "thread_signed_in": "thread page, {posts} posts, signed-in participant",
}
# The pages with a target: (their share of the minimal page's rate, what they are).
TARGETS = {
    "thread": (TARGET_ANONYMOUS, "thread page, anonymous"),
    "board": (TARGET_ANONYMOUS, "board page, anonymous"),
    "thread_signed_in": (TARGET_SIGNED_IN, "thread page, signed-in"),
    "healthz": (TARGET_HEALTHZ, "/healthz"),
}


def _pct_text(value: float) -> str:
    return f"{value * 100:.0f} %"


def _fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _cpu_ms(result: dict) -> float:
    """Server CPU time per request, in ms: what a page costs, whatever else runs."""
    return result["server_cpu"] / (result["rps"] or 1e-9) * 1000


def backend_lines(run: dict) -> tuple[list[str], list[dict]]:
    """The table of one database's run, and each target's verdict."""
    results = run["results"]
    base = results["minimal"]["rps"] or 1e-9
    healthz = results["healthz"]["rps"] or 1e-9
    data = run["data"]
    shown = min(50, data["threads"])
    lines = [
        "| page | requests/s | vs minimal page | vs /healthz | p50 ms | p95 ms | p99 ms "
        "| errors | KB | server CPU | CPU ms / request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        label = LABELS[name].format(posts=data["posts"], threads=data["threads"], shown=shown)
        size = run["sizes"].get(name, 0) / 1024
        lines.append(
            f"| {label} | {result['rps']:,.0f} | {_pct_text(result['rps'] / base)} | "
            f"{_pct_text(result['rps'] / healthz)} | "
            f"{_fmt_ms(result['p50_ms'])} | {_fmt_ms(result['p95_ms'])} | "
            f"{_fmt_ms(result['p99_ms'])} | {result['errors']} | {size:.1f} | "
            f"{_pct_text(result['server_cpu'])} | {_cpu_ms(result):.2f} |"
        )
    verdicts = []
    for name, (target, what) in TARGETS.items():
        result = results.get(name)
        if result is None:
            continue
        ratio = result["rps"] / base
        met = ratio >= target and result["p99_ms"] < TARGET_P99_MS and not result["errors"]
        verdicts.append(
            {
                "name": name,
                "what": what,
                "target": target,
                "ratio": ratio,
                "met": met,
                "p99_ms": result["p99_ms"],
                "cpu_ms": _cpu_ms(result),
            }
        )
    return lines, verdicts


def report(args, runs: list[dict], ceiling: dict | None) -> list[str]:
    command = "python bench/web.py" + (
        " --postgres" if args.postgres else " --sqlite" if args.sqlite else ""
    )
    lines = [
        f"`{command}`, {dt.date.today().isoformat()}, {common.machine('Django', 'uvicorn')}.",
        "",
        f"`intercoop web` (uvicorn, 1 worker, DEBUG off) serving, on 127.0.0.1, "
        f"{args.clients} concurrent keep-alive clients of the bench's own asyncio HTTP/1.1 "
        f"client (one process): {args.warmup:g} s of warm-up per page, then {args.duration:g} s "
        f"per page in {args.rounds} round{'s' if args.rounds > 1 else ''}, the pages taking "
        "turns. The baseline is a minimal Django application (`bench/minimal_site.py`: one "
        "view, no middleware, no database, a 170-byte page) served by the same ASGI server "
        "with the same options (`config.cli.serve_asgi`), in a process of its own, measured "
        'in the same rounds. `/healthz` (`config/health.py`: a plain "ok", no database, no '
        "template) goes through the product's whole middleware stack: the gap between the "
        "two is what the stack costs.",
        "",
    ]
    for run in runs:
        title = {
            "sqlite": "SQLite (embedded defaults)",
            "postgresql": "PostgreSQL (DATABASE_URL)",
        }[run["kind"]]
        table, verdicts = backend_lines(run)
        lines += [f"### {title}", "", *table, ""]
        lines.append(
            f"Load average of the machine (1 min) when the measuring began and ended: "
            f"{run['load'][0]:.1f} and {run['load'][1]:.1f} ({os.cpu_count()} cores)"
            f"{common.busy_note(*run['load'])}."
        )
        lines.append("")
        lines.append(
            f"Targets (share of the minimal page's rate, p99 < {TARGET_P99_MS:.0f} ms at "
            f"{args.clients} clients, no error):"
        )
        lines.append("")
        for verdict in verdicts:
            lines.append(
                f"- {verdict['what']}: **{_pct_text(verdict['ratio'])}** "
                f"(≥ {_pct_text(verdict['target'])}), p99 {_fmt_ms(verdict['p99_ms'])} ms, "
                f"{verdict['cpu_ms']:.2f} ms of server CPU a request: "
                f"**{'met' if verdict['met'] else 'not met'}**."
            )
        lines.append("")
        run["verdicts"] = verdicts
    data = runs[0]["data"]
    lines.append(
        f"Data: the programme (`intercoop seed`), a thread of {data['posts']} posts by "
        f"{data['people']} people with profiles and networks ({data['replies']} answering an "
        f"earlier post, {data['quotes']} quoting it; French Markdown, stored rendered), in a "
        f"session board of {data['threads']} threads (a board page shows 50). Written by the "
        "forum's services, as the web and mail write them. KB: the page's size. Server CPU: "
        "the server process's CPU time over the measuring time (100 % is one core, all that "
        "one uvicorn worker can use); CPU ms / request is that time divided by the requests "
        "served, the cost of a page whatever else the machine runs."
    )
    lines += [
        "",
        "Readers not signed in get the thread and board pages from the page cache "
        "(`forum/page_cache.py`: rendered once, kept until a post, thread, profile or "
        "other thing the page shows changes), so the anonymous rows measure serving a "
        "cached page: the reader's CSRF token filled in, the middleware, 68 KB sent. A "
        "signed-in participant who reloads a page nothing changed on gets it from the "
        "page cache too, their own copy (its key holds their id, their `user:<id>` token "
        "and how far they have read the thread), so the signed-in row measures serving "
        "it without asking the database anything: their session (`config/sessions.py`), "
        "their account (`forum/user_cache.py`) and how far they have read (their `reads:` "
        "token) come from the cache, their CSRF token and reply key are filled in. No Redis "
        "here: the cache is the web process's memory.",
    ]
    if ceiling:
        fastest = max(result["rps"] for run in runs for result in run["results"].values())
        generator_cpu = max(r["generator_cpu"] for run in runs for r in run["results"].values())
        lines += [
            "",
            f"Load generator ceiling: {ceiling['rps']:,.0f} requests/s with the same "
            f"{args.clients} clients against a canned-response asyncio server, "
            f"{ceiling['rps'] / fastest:.0f}× the fastest rate above; during the runs it used "
            f"at most {_pct_text(generator_cpu)} of a core, so the server, not the client, "
            "set the rates.",
        ]
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, 2 s per page, SQLite")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--postgres", action="store_true", help="PostgreSQL only (required)")
    which.add_argument("--sqlite", action="store_true", help="SQLite only")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--duration", type=float, help="measuring seconds per page")
    parser.add_argument("--rounds", type=int, help="rounds the measuring time is cut in")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per page")
    parser.add_argument("--posts", type=int, help="posts in the thread under test")
    parser.add_argument("--threads", type=int, help="threads in the board under test")
    parser.add_argument(
        "--anonymous-only", action="store_true", help="skip the signed-in thread page"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not touch the docs")
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="the ASGI server of both the product and the baseline (uvicorn: intercoop web)",
    )
    parser.add_argument(
        "--role", choices=["prepare", "load", "canned", "minimal"], help=argparse.SUPPRESS
    )
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.role == "prepare":
        return role_prepare(args)
    if args.role == "load":
        return role_load(args)
    if args.role == "canned":
        return role_canned(args)
    if args.role == "minimal":
        return role_minimal(args)

    preset = SMOKE if args.smoke else FULL
    for name in ("duration", "rounds", "warmup", "posts", "threads"):
        if getattr(args, name) is None:
            setattr(args, name, preset[name])
    if args.smoke:
        kinds = ["sqlite"]
    elif args.postgres:
        if not common.postgres_answers(common.BENCH_DATABASE):
            print(f"PostgreSQL does not answer at {common.BENCH_DATABASE}", file=sys.stderr)
            return 1
        kinds = ["postgresql"]
    elif args.sqlite:
        kinds = ["sqlite"]
    else:
        kinds = ["sqlite"] + (
            ["postgresql"] if common.postgres_answers(common.BENCH_DATABASE) else []
        )
        if len(kinds) == 1:
            print(f"PostgreSQL does not answer at {common.BENCH_DATABASE}: SQLite only", flush=True)

    ceiling = generator_ceiling(args)
    print(f"load generator ceiling: {ceiling['rps']:,.0f} requests/s", flush=True)
    runs = [
        run_backend(args, kind, {"posts": args.posts, "threads": args.threads}) for kind in kinds
    ]
    lines = report(args, runs, ceiling)
    print("\n".join([SECTION, "", *lines]))
    failed = [
        f"{run['kind']}: {run['server_tracebacks']} tracebacks in the server log"
        for run in runs
        if run["server_tracebacks"]
    ]
    if failed:
        print("\n".join(failed), file=sys.stderr)
        return 1
    errors = sum(r["errors"] for run in runs for r in run["results"].values())
    if args.smoke and errors:
        print(f"{errors} requests failed", file=sys.stderr)
        return 1
    if not args.smoke and not args.no_write and args.server == "uvicorn":
        common.write_section(SECTION, lines)
        print(f"\nwritten to {common.DOCS.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
