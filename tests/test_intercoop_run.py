"""`intercoop run` as a newcomer starts it: one command, embedded defaults, real sockets.

The command runs as a subprocess (the installed console script) on free ports with a
fresh data directory, and an environment without DATABASE_URL, REDIS_URL or EMAIL_URL,
so that it is the embedded configuration under test even when CI sets them. One
process serves the checks of what a visitor, a mail server and a websocket client see;
then it is stopped as an operator stops it, and started again on the same data.
Failure cases are short runs that must end with one readable line, exit status 2.
"""

from __future__ import annotations

import email
import html
import http.cookiejar
import json
import os
import re
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from email import policy
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

INTERCOOP = Path(sys.executable).parent / "intercoop"
START_TIMEOUT = 60
STOP_TIMEOUT = 15

TITLES = (
    "Management par projet et travail collaboratif : où en est-on aujourd'hui dans nos "
    "collectivités, services publics et associations ?",
    "Pratiques collaboratives à l'heure du web 2.0 : quelle mutation du rôle et de la "
    "place des collectivités, services publics et associations ?",
    "Coopérations d'hier et d'aujourd'hui, mutualisation d'outils et de méthodes entre "
    "réseaux coopératifs",
)
DATES = [date(2007, 7, 4), date(2007, 7, 5), date(2007, 7, 6)]

# Everything that would steer Intercoop away from its embedded defaults.
CONFIG_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "DEFAULT_FROM_EMAIL",
    "DJANGO_SETTINGS_MODULE",
)


def _env(data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in CONFIG_VARIABLES and not name.startswith("INTERCOOP_")
    }
    env.update(INTERCOOP_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **overrides)
    return env


def _free_ports(count: int) -> list[int]:
    """Distinct ports nobody listens on (held together so the kernel cannot repeat one)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Intercoop:
    """A running `intercoop run`, its ports, data dir and combined output."""

    process: subprocess.Popen
    port: int
    smtp_port: int
    data_dir: Path
    log_path: Path
    result: tuple[int | None, str] | None = field(default=None)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body of `path`, whatever the status."""
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=10) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers.get("Content-Type", ""), error.read()

    def fetch(self, path: str, content_type: str) -> bytes:
        """The body of `path`, which must answer 200 with `content_type`; otherwise the
        failure shows the end of the server's output (where its traceback is)."""
        status, actual_type, body = self.get(path)
        assert (status, actual_type.split(";")[0]) == (200, content_type), (
            f"GET {path} answered {status} {actual_type}; the server said:\n"
            + self.output()[-4000:]
        )
        return body

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int | None, str]:
        """Send `sig` once; the exit status (None: had to be killed) and the output."""
        if self.result is None:
            if self.process.poll() is None:
                self.process.send_signal(sig)
            try:
                code = self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                code = None
            self.result = (code, self.output())
        return self.result


def _start(data_dir: Path, log_dir: Path) -> Intercoop:
    port, smtp_port = _free_ports(2)
    log_path = log_dir / f"intercoop-run-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(INTERCOOP), "run", "--port", str(port), "--smtp-port", str(smtp_port)],
            env=_env(data_dir),
            cwd=log_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = Intercoop(process, port, smtp_port, data_dir, log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            running.get("/")
            return running  # it answers; the tests say whether the answer is right
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            running.stop(signal.SIGKILL)
            pytest.fail(
                f"intercoop run did not answer on {running.base_url} within {START_TIMEOUT} s "
                f"(exit status {process.returncode}); its output:\n{running.output()}"
            )
        time.sleep(0.2)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("intercoop-data")


@pytest.fixture(scope="module")
def server(data_dir, tmp_path_factory):
    running = _start(data_dir, tmp_path_factory.mktemp("intercoop-run"))
    yield running
    running.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def restarted(server, data_dir, tmp_path_factory):
    """A second `intercoop run` on the same data dir, once the first has stopped."""
    server.stop(signal.SIGTERM)
    running = _start(data_dir, tmp_path_factory.mktemp("intercoop-rerun"))
    yield running
    running.stop(signal.SIGKILL)


def _text(body: bytes) -> str:
    """What a reader sees of an HTML page: entities decoded, spaces collapsed."""
    return " ".join(html.unescape(body.decode("utf-8")).split())


def _smtp(server: Intercoop) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10)
    client.ehlo("client.exemple.org")
    return client


# What a visitor sees -------------------------------------------------------------------


def test_the_home_page_presents_the_event_its_sessions_and_facilitator(server):
    page = _text(server.fetch("/", "text/html"))
    assert "Intercoop 2007" in page
    for title in TITLES:
        assert title in page
    assert "Jean-Michel Cornu" in page


def test_static_files_and_the_favicon_are_served_without_a_warning(server):
    assert server.fetch("/static/css/intercoop.css", "text/css")
    assert b"<svg" in server.fetch("/favicon.ico", "image/svg+xml")  # redirected
    assert "synchronous iterators" not in server.output()


def test_the_api_lists_the_three_sessions_with_their_list_addresses(server):
    sessions = json.loads(server.fetch("/api/sessions/", "application/json"))
    assert len(sessions) == 3
    for item, title, day in zip(sessions, TITLES, DATES, strict=True):
        assert set(item) == {"slug", "title", "starts_at", "ends_at", "list_address", "url"}
        assert item["title"] == title
        assert item["starts_at"].startswith(day.isoformat())
        assert item["ends_at"].startswith(day.isoformat())
        assert item["list_address"] == f"{item['slug']}@lists.localhost"
        assert item["url"].startswith("http")
        assert item["url"].endswith(f"/sessions/{item['slug']}/")


def test_the_programme_calendar_holds_the_three_days(server):
    from icalendar import Calendar

    body = server.fetch("/programme.ics", "text/calendar")
    events = Calendar.from_ical(body).walk("VEVENT")
    assert len(events) == 3
    starts = []
    for vevent in events:
        start = vevent.decoded("dtstart")
        starts.append(start.date() if hasattr(start, "date") else start)
    assert sorted(starts) == DATES
    assert all("Intercoop 2007" in str(vevent["summary"]) for vevent in events)


# What a mail server sees ---------------------------------------------------------------


def test_smtp_greets_with_250_and_advertises_size(server):
    client = _smtp(server)
    try:
        code, _text = client.ehlo("client.exemple.org")
        assert code == 250
        assert client.has_extn("size")
    finally:
        client.quit()


def test_smtp_refuses_an_unknown_address_with_550_5_1_1(server):
    client = _smtp(server)
    try:
        assert client.mail("marie@exemple.org")[0] == 250
        code, text = client.rcpt("personne@lists.localhost")
        assert code == 550
        assert b"5.1.1" in text
        assert b"personne@lists.localhost" in text
    finally:
        client.quit()


def test_smtp_stores_mail_to_a_session_list_and_the_embedded_worker_processes_it(server):
    client = _smtp(server)
    try:
        client.mail("marie@exemple.org")
        code, text = client.rcpt("travail-collaboratif@lists.localhost")
        assert (code, text[:5]) == (250, b"2.1.5")
        code, text = client.data(
            b"From: Marie <marie@exemple.org>\r\nSubject: Bonjour\r\n"
            b"Message-ID: <run-1@exemple.org>\r\n\r\nUn message.\r\n"
        )
        assert (code, text[:5]) == (250, b"2.0.0")
    finally:
        client.quit()
    inbound_id = int(re.search(rb"queued as (\d+)", text).group(1))
    # Marie is no member: the worker thread holds the message and records why.
    database = sqlite3.connect(f"file:{server.data_dir / 'intercoop.sqlite3'}?mode=ro", uri=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            row = database.execute(
                "SELECT status, reason FROM mailbridge_inboundmessage WHERE id = ?", (inbound_id,)
            ).fetchone()
            if row and row[0] not in ("received", "processing"):
                break
            time.sleep(0.1)
    finally:
        database.close()
    assert row == ("held", "unknown_sender")


# What a live page sees -----------------------------------------------------------------


def test_the_health_websocket_answers_ping_with_pong(server):
    from websockets.sync.client import connect

    with connect(
        f"ws://127.0.0.1:{server.port}/ws/health/", origin=server.base_url, open_timeout=10
    ) as websocket:
        websocket.send(json.dumps({"type": "ping"}))
        assert json.loads(websocket.recv(timeout=10)) == {"type": "pong"}


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://127.0.0.1:1", "http://localhost:1"]
)
def test_a_websocket_from_another_site_is_refused(server, origin):
    # Another port of the same host is another site: any local web server's pages.
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{server.port}/ws/health/", origin=origin, open_timeout=10)
    assert refused.value.response.status_code == 403


# Where the links it sends out lead -------------------------------------------------------

LINK = re.compile(r"https?://[^\s<>\"')]+")


def _outbox_texts(data_dir: Path, *, containing: str, timeout: float = 20) -> list[str]:
    """The text parts of the outgoing mails (.eml files) that contain `containing`,
    waiting for the embedded worker to write at least one."""
    deadline = time.monotonic() + timeout
    while True:
        texts = []
        for path in sorted((data_dir / "outbox").glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            text = "\n".join(
                part.get_content()
                for part in message.walk()
                if part.get_content_type() == "text/plain"
            )
            headers = "\n".join(f"{name}: {value}" for name, value in message.items())
            if containing in text or containing in headers:
                texts.append(headers + "\n\n" + text)
        if texts or time.monotonic() > deadline:
            return texts
        time.sleep(0.2)


def _links_of(text: str) -> list[str]:
    return LINK.findall(text.replace("\r\n ", "").replace("\n ", ""))


def _leads_to(link: str, server: Intercoop) -> bool:
    return link.rstrip("/") == server.base_url or link.startswith(server.base_url + "/")


def test_the_calendar_links_name_the_port_it_was_started_on(server):
    assert server.port != 8000
    body = server.fetch("/programme.ics", "text/calendar").decode()
    urls = [
        line[len("URL:") :]
        for line in body.replace("\r\n ", "").splitlines()
        if line.startswith("URL:")
    ]
    assert len(urls) == 3
    assert all(url.startswith(f"{server.base_url}/sessions/") for url in urls), urls


def test_a_notice_mail_links_to_the_port_it_was_started_on(server):
    client = _smtp(server)
    try:
        client.sendmail(
            "paul@exemple.org",
            ["travail-collaboratif@lists.localhost"],
            b"From: Paul <paul@exemple.org>\r\nSubject: Question\r\n"
            b"Message-ID: <run-port@exemple.org>\r\n\r\nUne question.\r\n",
        )
    finally:
        client.quit()
    # Paul is nobody here: the notice tells him where to create an account.
    texts = _outbox_texts(server.data_dir, containing="paul@exemple.org")
    assert texts, "no notice went to paul@exemple.org"
    links = [link for text in texts for link in _links_of(text)]
    assert any("/accounts/signup/" in link for link in links), links
    assert all(_leads_to(link, server) for link in links), links


def _sign_up(server: Intercoop, address: str) -> None:
    """Create an account through the sign-up form, as a browser would."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    url = server.base_url + "/accounts/signup/"
    with opener.open(url, timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "email": address,
            "display_name": "Zoé Martin",
            "password1": "un mot de passe assez long",
            "password2": "un mot de passe assez long",
        }
    ).encode()
    request = urllib.request.Request(url, data=form, headers={"Referer": url})
    with opener.open(request, timeout=10) as response:
        assert response.status == 200


def test_the_confirmation_mail_after_a_restart_on_another_port_names_only_that_one(
    restarted, server
):
    # The first start named the site; this one listens elsewhere.
    assert restarted.port != server.port
    _sign_up(restarted, "zoe@exemple.org")
    texts = _outbox_texts(restarted.data_dir, containing="/accounts/confirm-email/")
    assert len(texts) == 1
    text = texts[0]
    # The site it names (allauth's "site_domain") and the link to follow, one port.
    ports = set(re.findall(r"127\.0\.0\.1:(\d+)", text.split("\n\n", 1)[1]))
    assert ports == {str(restarted.port)}
    links = _links_of(text)
    assert links
    assert all(_leads_to(link, restarted) for link in links), links


# What the operator finds ---------------------------------------------------------------


def test_the_data_dir_holds_the_database_and_a_private_secret_key(server, data_dir):
    database = data_dir / "intercoop.sqlite3"
    assert database.is_file()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        assert db.execute("select count(*) from forum_session").fetchone() == (3,)
    key = data_dir / "secret_key"
    assert len(key.read_text().strip()) >= 50
    assert key.stat().st_mode & 0o077 == 0


def test_sigterm_stops_it_cleanly(server):
    code, output = server.stop(signal.SIGTERM)
    assert code == 0, output
    assert "Intercoop stopped." in output
    assert "Traceback" not in output


def test_a_second_start_on_the_same_data_keeps_one_programme(restarted, data_dir):
    body = restarted.fetch("/api/sessions/", "application/json")
    assert [item["slug"] for item in json.loads(body)] == [
        "travail-collaboratif",
        "pratiques-web2",
        "reseaux-cooperatifs",
    ]
    with sqlite3.connect(f"file:{data_dir / 'intercoop.sqlite3'}?mode=ro", uri=True) as db:
        assert db.execute("select count(*) from forum_event").fetchone() == (1,)
        assert db.execute("select count(*) from forum_session").fetchone() == (3,)


def test_ctrl_c_stops_it_cleanly(restarted):
    code, output = restarted.stop(signal.SIGINT)
    assert code == 0, output
    assert "Intercoop stopped." in output
    assert "Traceback" not in output
    assert "KeyboardInterrupt" not in output


# What goes wrong, said in one line -----------------------------------------------------


def _run(tmp_path: Path, *args: str, data_dir: Path | None = None, **env: str):
    return subprocess.run(
        [str(INTERCOOP), *args],
        env=_env(data_dir or tmp_path / "data", **env),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single stderr line of a configuration failure (exit status 2)."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("intercoop:")
    return lines[0]


def test_a_busy_web_port_is_named_with_the_option_to_change_it(tmp_path):
    port, smtp_port = _free_ports(2)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = _run(tmp_path, "run", "--port", str(port), "--smtp-port", str(smtp_port))
    line = _one_line_error(result)
    assert str(port) in line
    assert "--port" in line
    assert "--smtp-port" not in line


def test_a_busy_smtp_port_is_named_with_the_option_to_change_it(tmp_path):
    port, smtp_port = _free_ports(2)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", smtp_port))
        busy.listen()
        result = _run(tmp_path, "run", "--port", str(port), "--smtp-port", str(smtp_port))
    line = _one_line_error(result)
    assert str(smtp_port) in line
    assert "--smtp-port" in line


def test_an_unreachable_database_names_database_url(tmp_path):
    port, smtp_port = _free_ports(2)
    result = _run(
        tmp_path,
        "run",
        "--port",
        str(port),
        "--smtp-port",
        str(smtp_port),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/x",
    )
    assert "DATABASE_URL" in _one_line_error(result)


def test_a_database_without_its_driver_names_database_url(tmp_path):
    result = _run(tmp_path, "seed", DATABASE_URL="mysql://intercoop@127.0.0.1:1/intercoop")
    assert "DATABASE_URL" in _one_line_error(result)


def test_an_unsupported_email_url_names_email_url(tmp_path):
    port, smtp_port = _free_ports(2)
    result = _run(
        tmp_path,
        "run",
        "--port",
        str(port),
        "--smtp-port",
        str(smtp_port),
        EMAIL_URL="ftp://x",
    )
    assert "EMAIL_URL" in _one_line_error(result)


def test_a_data_dir_under_a_regular_file_names_intercoop_data_dir(tmp_path):
    regular_file = tmp_path / "not-a-directory"
    regular_file.write_text("")
    port, smtp_port = _free_ports(2)
    result = _run(
        tmp_path,
        "run",
        "--port",
        str(port),
        "--smtp-port",
        str(smtp_port),
        data_dir=regular_file / "data",
    )
    line = _one_line_error(result)
    assert "INTERCOOP_DATA_DIR" in line
    assert str(regular_file / "data") in line


def test_seed_on_a_fresh_data_dir_then_again_changes_nothing(tmp_path):
    first = _run(tmp_path, "seed")
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert "programme loaded:" in first.stdout
    assert "0 created" not in first.stdout

    second = _run(tmp_path, "seed")
    assert second.returncode == 0, second.stderr
    assert "0 created, 0 updated" in second.stdout
