"""The product split over processes as over several machines: two web processes (the
production command of docker-compose.yml, `intercoop web`), two Celery workers and
the SMTP gateway, each with a data dir of its own as on another host, sharing only
PostgreSQL, Redis and the S3 object store. Whichever web process answers: a session
made on one is valid on the other, a page cached by one is out of date once a post
is made through the other, a websocket open on one receives the post made on the
other, a file (an avatar uploaded to one; an attachment that came by mail, stored
by a worker) is served by both.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL: CI's PostgreSQL + Redis pass runs it.
It makes and drops a database of its own; the S3 server is moto's (config/s3_testing.py).
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import socket
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
DOMAIN = "lists.intercoop.test"
PASSWORD = "motdepasse-solide-2007"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (DATABASE_URL.startswith("postgres") and REDIS_URL),
        reason="processes on several machines share PostgreSQL and Redis: set DATABASE_URL "
        "(postgres://…) and REDIS_URL (CI's PostgreSQL + Redis pass does)",
    ),
]

SETUP = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from forum import services
from forum.models import Board, Event, Profile, Registration
from mailbridge.tokens import reply_address
user = get_user_model().objects.create_user("claire", "claire@exemple.org", "%(password)s")
EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
Profile.objects.create(user=user, display_name="Claire Sociétaire")
event = Event.objects.get()
Registration.objects.create(user=user, event=event, role="participant", status="confirmed")
board = Board.objects.filter(session__isnull=False, session__is_private=False).first()
thread = services.thread_create(board=board, author=user, title="Fil partagé", body="Début.")
post = thread.posts.get(number=1)
print(json.dumps({"user": user.pk, "thread": thread.pk, "reply": reply_address(user.pk, post.pk)}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _admin(statement: str) -> None:
    import psycopg

    url = urlunsplit(urlsplit(DATABASE_URL)._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


class Web:
    """An HTTP client of one web process; the cookies are the test's, shared."""

    def __init__(self, port: int, cookies: dict[str, str]):
        self.port, self.cookies = port, cookies
        self.origin = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, body: bytes = b"", headers=None):
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def get(self, path: str):
        return self.request("GET", path)

    def csrf(self, path: str) -> str:
        status, _headers, page = self.get(path)
        assert status == 200, (path, status)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()

    def post_form(self, path: str, fields: dict, *, referer: str = ""):
        return self.request(
            "POST",
            path,
            urlencode(fields).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": referer or f"{self.origin}{path}",
                "Origin": self.origin,
            },
        )


def _started(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=handle)


def _wait_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"a process stopped at start:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listens on {port} after {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def _cache_forgotten() -> None:
    """Empty the processes' cache namespace (Django's, without a key prefix) of this
    Redis database: accounts and sessions cached by an earlier run name ids that the
    fresh database gives again. The test run's own tests use prefixes of their own
    (config/testing.py), so nothing of theirs is touched."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=":1:*", count=1000):
        client.delete(key)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, s3_server):
    root = tmp_path_factory.mktemp("split")
    _cache_forgotten()
    database = f"intercoop_split_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{database}"')
    bucket = s3_server.bucket_create()
    ports = {"a": _free_port(), "b": _free_port(), "smtp": _free_port()}
    base = {k: v for k, v in os.environ.items() if not k.startswith("INTERCOOP_")}
    base.update(
        s3_server.environment(bucket),
        DATABASE_URL=urlunsplit(urlsplit(DATABASE_URL)._replace(path=f"/{database}")),
        REDIS_URL=REDIS_URL,
        SECRET_KEY="split-" + "x" * 44,
        ALLOWED_HOSTS="127.0.0.1",
        INTERCOOP_SITE_URL=f"http://127.0.0.1:{ports['a']}",
        INTERCOOP_MAIL_DOMAIN=DOMAIN,
        INTERCOOP_SMTP_TRUSTED_PEERS="127.0.0.1",
        INTERCOOP_INBOUND_FILE_BYTES="65536",
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    base.pop("EMAIL_URL", None)

    def env_of(host: str) -> dict:  # a data dir per process: nothing shared on disk
        return {**base, "INTERCOOP_DATA_DIR": str(root / host)}

    intercoop = [sys.executable, "-m", "config.cli"]
    subprocess.run([*intercoop, "seed"], cwd=ROOT, env=env_of("setup"), check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    setup = SETUP % {"password": PASSWORD}
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", setup],
        cwd=ROOT, env=env_of("setup"), check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    scene = json.loads(made.stdout.strip().splitlines()[-1])
    processes: list[subprocess.Popen] = []
    try:
        for name in ("a", "b"):
            command = [*intercoop, "web", "--host", "127.0.0.1", "--port", str(ports[name])]
            processes.append(_started(command, env_of(f"web-{name}"), root / f"web-{name}.log"))
        for number in (1, 2):
            command = [*intercoop, "worker", "--concurrency", "1"]
            log = root / f"worker-{number}.log"
            processes.append(_started(command, env_of(f"worker-{number}"), log))
        command = [*intercoop, "smtp", "--host", "127.0.0.1", "--port", str(ports["smtp"])]
        processes.append(_started(command, env_of("smtp"), root / "smtp.log"))
        for name, process in zip(("a", "b"), processes[:2], strict=True):
            _wait_port(ports[name], process, root / f"web-{name}.log")
        _wait_port(ports["smtp"], processes[-1], root / "smtp.log")
        yield {"root": root, "ports": ports, "scene": scene, "bucket": bucket, "s3": s3_server}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def signed_in(cluster):
    """Claire signs in on web process A; the same cookies go to both."""
    cookies: dict[str, str] = {}
    a = Web(cluster["ports"]["a"], cookies)
    token = a.csrf("/accounts/login/")
    status, headers, _ = a.post_form(
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "login": "claire@exemple.org", "password": PASSWORD},
    )
    assert status == 302, (status, headers)
    return a, Web(cluster["ports"]["b"], cookies)


def _reply(web: Web, thread: int, body: str) -> None:
    path = f"/fils/{thread}/"
    _status, _headers, page = web.get(path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    key = re.search(rb'name="submission_key" value="([^"]+)"', page).group(1).decode()
    status, headers, _ = web.post_form(
        f"{path}repondre/",
        {"csrfmiddlewaretoken": token, "submission_key": key, "body": body},
        referer=f"{web.origin}{path}",
    )
    assert status == 302, (status, headers)


def test_a_session_made_on_one_web_process_is_valid_on_the_other(signed_in):
    a, b = signed_in
    for web in (a, b):
        status, _headers, page = web.get("/compte/mes-donnees/")  # for the signed-in only
        assert status == 200, web.port
        assert b'action="/accounts/logout/"' in page


def test_a_page_cached_by_one_is_fresh_once_the_other_takes_a_post(cluster, signed_in):
    a, b = signed_in
    thread = cluster["scene"]["thread"]
    reader = Web(cluster["ports"]["a"], {})  # not signed in: the shared page cache
    for _ in range(2):
        assert reader.get(f"/fils/{thread}/")[0] == 200
    _reply(b, thread, "Réponse écrite sur le processus B.")
    status, _headers, page = reader.get(f"/fils/{thread}/")
    assert status == 200 and "Réponse écrite sur le processus B.".encode() in page


def test_a_websocket_on_one_receives_the_post_made_on_the_other(cluster, signed_in):
    from websockets.sync.client import connect

    a, b = signed_in
    thread = cluster["scene"]["thread"]
    cookie = "; ".join(f"{k}={v}" for k, v in a.cookies.items())
    with connect(
        f"ws://127.0.0.1:{a.port}/ws/threads/{thread}/",
        origin=f"http://127.0.0.1:{cluster['ports']['a']}",
        additional_headers={"Cookie": cookie},
        open_timeout=10,
    ) as websocket:
        deadline = time.monotonic() + 10
        while json.loads(websocket.recv(timeout=10))["type"] != "ready":
            assert time.monotonic() < deadline
        _reply(b, thread, "Poussée en direct depuis B.")
        deadline = time.monotonic() + 30
        while True:
            frame = json.loads(websocket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if frame["type"] == "event" and "Poussée en direct depuis B." in frame["html"]:
                break


def _multipart(fields: dict, name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_an_avatar_uploaded_to_one_is_served_by_the_other(cluster, signed_in):
    import io

    from PIL import Image

    a, b = signed_in
    picture = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 60)).save(picture, "PNG")
    token = a.csrf("/compte/mes-donnees/")
    body, content_type = _multipart(
        {"csrfmiddlewaretoken": token}, "avatar", "moi.png", picture.getvalue()
    )
    status, headers, _ = a.request(
        "POST", "/mon-avatar/", body,
        {"Content-Type": content_type, "Referer": f"{a.origin}/", "Origin": a.origin},
    )  # fmt: skip
    assert status == 302 and "/personnes/" in headers["location"], headers
    user = cluster["scene"]["user"]
    status, headers, image = b.get(f"/personnes/{user}/avatar.webp")
    assert status == 200 and headers["content-type"] == "image/webp"
    assert image.startswith(b"RIFF") and b"WEBP" in image[:16]


def test_an_attachment_that_came_by_mail_is_served_by_both_from_the_bucket(cluster, signed_in):
    a, b = signed_in
    scene = cluster["scene"]
    message = EmailMessage()
    message["From"], message["To"] = "Claire <claire@exemple.org>", scene["reply"]
    message["Subject"], message["Message-ID"] = "Re: Fil partagé", "<piece@exemple.org>"
    message.set_content("Le compte rendu est joint.")
    document = b"%PDF-1.4\n" + os.urandom(200_000)  # a large message: its raw file too
    message.add_attachment(document, maintype="application", subtype="pdf", filename="cr.pdf")
    with smtplib.SMTP("127.0.0.1", cluster["ports"]["smtp"], timeout=30) as smtp:
        smtp.send_message(message)
    link = None
    deadline = time.monotonic() + 120
    while link is None and time.monotonic() < deadline:
        page = a.get(f"/fils/{scene['thread']}/")[2]
        found = re.search(rb'href="(/pieces-jointes/[^"]+)"', page)
        link = found.group(1).decode() if found else None
        time.sleep(0.5)
    assert link, "the reply by mail was not posted within two minutes"
    for web in (a, b):
        status, headers, data = web.get(link)
        assert status == 200 and data == document, web.port
    listing = cluster["s3"].client().list_objects_v2(Bucket=cluster["bucket"])
    stored = {entry["Key"] for entry in listing.get("Contents", [])}
    assert any(key.startswith("attachments/") for key in stored)
    assert any(key.startswith("inbound/") for key in stored)
    for host in ("web-a", "web-b", "worker-1", "worker-2", "smtp"):
        folder = cluster["root"] / host
        assert not (folder / "attachments").exists() and not (folder / "inbound").exists()
