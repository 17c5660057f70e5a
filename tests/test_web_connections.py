"""`intercoop web` on PostgreSQL under load keeps about one database connection per
request in flight, never one per request served (config/asgi.py: a connection kept
for reuse stayed open with the request's dead thread until PostgreSQL refused more).

Runs where the suite runs on PostgreSQL (DATABASE_URL=postgres://…), on a database
of its own made and dropped here."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("DATABASE_URL", "")
CLIENTS = 16
REQUESTS = 600

pytestmark = pytest.mark.skipif(
    not URL.startswith("postgres"), reason="the leak concerns a server database"
)


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(
        urlunsplit(urlsplit(URL)._replace(path="/postgres")), autocommit=True
    ) as c:
        c.execute(statement)


def _connections(name: str) -> int:
    """How many connections `name` has open; 10,000 when the server refuses ours."""
    import psycopg

    try:
        c = psycopg.connect(urlunsplit(urlsplit(URL)._replace(path="/postgres")))
    except psycopg.OperationalError:
        return 10_000  # "too many clients already"
    with c:
        return c.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _load(port: int, path: str, count: int) -> list[int]:
    statuses: list[int] = []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while len(statuses) < count:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = next(
                int(line.split(":", 1)[1])
                for line in lines
                if line.lower().startswith("content-length")
            )
            await reader.readexactly(length)
            statuses.append(int(lines[0].split()[1]))
        writer.close()

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return statuses


@pytest.fixture
def web(tmp_path):
    name = f"intercoop_connections_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERCOOP_")}
    env.update(
        DATABASE_URL=urlunsplit(urlsplit(URL)._replace(path=f"/{name}")),
        INTERCOOP_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "config.cli"]
    subprocess.run([*command, "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(tmp_path / "web.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [*command, "web", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port, name
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_loaded_web_process_holds_about_one_connection_per_request_in_flight(web):
    port, name = web
    seen: list[int] = []

    async def measure():
        load = asyncio.ensure_future(_load(port, "/", REQUESTS))
        while not load.done():
            seen.append(await asyncio.to_thread(_connections, name))
            await asyncio.sleep(0.1)
        return await load

    statuses = asyncio.run(measure())
    assert statuses.count(200) >= REQUESTS
    assert max(seen) <= CLIENTS + 4, f"connections seen during the load: {seen}"
