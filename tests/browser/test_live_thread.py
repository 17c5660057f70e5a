"""A thread open in two real browsers while `intercoop run` serves it: replies appear
on both without reload, by email as by the web, and a page whose connection was cut
shows what it missed, exactly once, when it reconnects.

`intercoop run` is started as a newcomer starts it (embedded defaults: SQLite, the
in-memory channel layer, the worker in a thread), on free ports with a fresh data
dir. People and the thread are made with `manage.py shell` on that data dir; posts
that must be pushed live are made inside the running server (a reply by SMTP to the
gateway, handled by its worker thread; a reply form posted by a third browser page),
since another process does not share the in-memory layer.

The contexts bypass the site's Content-Security-Policy: Playwright's
`wait_for_function` evaluates its predicate as a string inside the page, which the
policy forbids ('unsafe-eval'). The policy itself is held by tests/browser/test_csp.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("INTERCOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
INTERCOOP = Path(sys.executable).parent / "intercoop"
MANAGE = Path(__file__).resolve().parents[2] / "manage.py"
LIVE_WITHIN_MS = 2000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"no chromium at {CHROMIUM} (apt-get install chromium chromium-driver)",
    ),
]

# Everything that would steer Intercoop away from its embedded defaults.
NOT_EMBEDDED = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Server:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port, self.smtp_port = _free_ports(2)
        self.env = {
            name: value
            for name, value in os.environ.items()
            if name not in NOT_EMBEDDED and not name.startswith("INTERCOOP_")
        }
        self.env.update(INTERCOOP_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        self.log = open(data_dir / "server.log", "w+b")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(INTERCOOP),
                "run",
                "--port",
                str(self.port),
                "--smtp-port",
                str(self.smtp_port),
            ],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return (self.data_dir / "server.log").read_text(errors="replace")

    def wait_until_serving(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"intercoop run exited:\n{self.output()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"intercoop run did not serve within {timeout}s:\n{self.output()[-3000:]}")

    def shell(self, code: str) -> dict:
        """Run `code` in `manage.py shell` on the server's data dir; its last line is JSON."""
        result = subprocess.run(
            [sys.executable, str(MANAGE), "shell", "-v", "0", "-c", code],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


SETUP = """
import json
from django.test import Client
from forum import services
from forum.models import Board, Event
from forum.tests.factories import make_registration, make_user
from mailbridge.tokens import reply_address

event = Event.objects.get(slug="intercoop-2007")
session = event.sessions.order_by("number").first()
board = Board.objects.get(session=session)
alice = make_user("alice@exemple.org", display_name="Alice Coopère")
bruno = make_user("bruno@exemple.org", display_name="Bruno Mutuelle")
for person in (alice, bruno):
    make_registration(user=person, event=event)
thread = services.thread_create(
    board=board, author=alice, title="En direct des journées", body="Premier message du fil."
)
first = thread.posts.get()
client = Client()
client.force_login(bruno)
print(json.dumps({
    "thread_url": thread.get_absolute_url(),
    "live_url": "/sessions/%s/live/" % session.slug,
    "bruno_session": client.cookies["sessionid"].value,
    "bruno_email": bruno.email,
    "reply_to": reply_address(bruno.pk, first.pk),
    "subject": "Re: " + thread.title,
}))
"""


def serving(prefix: str, setup: str):
    """A module's `intercoop run` in a data dir of its own, its `setup` script's output
    as `.setup`; stopped and removed after (the log printed with
    INTERCOOP_SHOW_SERVER_LOG). The browser test files' `server` fixtures yield from it."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    running = Server(data_dir)
    try:
        running.wait_until_serving()
        running.setup = running.shell(setup)
        yield running
    finally:
        running.stop()
        if os.environ.get("INTERCOOP_SHOW_SERVER_LOG"):
            print(running.output())
        shutil.rmtree(data_dir, ignore_errors=True)


def chromium_browser():
    """Debian's chromium through Playwright, for the browser test files' fixtures."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server():
    yield from serving("intercoop-live-", SETUP)


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


def _reader(browser, server):
    """A page on the thread, its live connection established."""
    page = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    page.goto(server.url + server.setup["thread_url"])
    page.wait_for_function("window.intercoopLive && window.intercoopLive.state() === 'live'")
    return page


def _writer(browser, server):
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    context.add_cookies(
        [{"name": "sessionid", "value": server.setup["bruno_session"], "url": server.url}]
    )
    page = context.new_page()
    page.goto(server.url + server.setup["thread_url"])
    return page


def _reply_on_the_web(page, text: str) -> None:
    page.fill("textarea[name=body]", text)
    with page.expect_navigation():
        page.get_by_role("button", name="Publier la réponse").click()


def _posts_saying(page, text: str):
    return page.locator("[data-post-body]", has_text=text)


def _appears_live(page, text: str) -> None:
    """`text` is shown in a post within LIVE_WITHIN_MS, on the page as it is (no reload)."""
    page.wait_for_selector(
        f"[data-post-body]:has-text({json.dumps(text, ensure_ascii=False)})",
        timeout=LIVE_WITHIN_MS,
    )


def _send_reply_by_mail(server, text: str) -> tuple[bool, str]:
    """Send a reply to the gateway as a mail client would; (accepted, what it answered)."""
    message = EmailMessage()
    message["From"] = f"Bruno Mutuelle <{server.setup['bruno_email']}>"
    message["To"] = server.setup["reply_to"]
    message["Subject"] = server.setup["subject"]
    message["Message-ID"] = make_msgid(domain="exemple.org")
    message.set_content(f"{text}\n\nBruno\n")
    try:
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as refused:
        code, reason = next(iter(refused.recipients.values()))
        return False, f"{code} {reason.decode(errors='replace')}"
    except smtplib.SMTPResponseException as error:
        return False, f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
    return True, "250"


def test_a_reply_by_email_appears_on_both_pages_within_two_seconds(browser, server):
    first, second = _reader(browser, server), _reader(browser, server)
    text = "Réponse envoyée par courriel depuis la salle."
    accepted, answer = _send_reply_by_mail(server, text)
    assert accepted, answer
    _appears_live(first, text)
    _appears_live(second, text)
    assert _posts_saying(first, text).count() == 1
    assert _posts_saying(second, text).count() == 1


def test_a_web_reply_appears_on_both_pages_within_two_seconds(browser, server):
    first, second = _reader(browser, server), _reader(browser, server)
    writer = _writer(browser, server)
    text = "Réponse écrite sur le site pendant la session."
    _reply_on_the_web(writer, text)
    _appears_live(first, text)
    _appears_live(second, text)
    assert first.evaluate("document.querySelectorAll('.posts > li[id^=post-]').length") >= 2


def test_a_page_whose_connection_was_cut_shows_the_missed_post_once(browser, server):
    cut, kept = _reader(browser, server), _reader(browser, server)
    writer = _writer(browser, server)
    cut.evaluate("window.intercoopLive.disconnect()")
    text = "Message publié pendant la coupure."
    _reply_on_the_web(writer, text)
    _appears_live(kept, text)
    cut.wait_for_timeout(500)
    assert _posts_saying(cut, text).count() == 0  # really cut
    seq_before = cut.evaluate("window.intercoopLive.lastSeq()")

    cut.evaluate("window.intercoopLive.connect()")
    _appears_live(cut, text)
    cut.wait_for_function("window.intercoopLive.state() === 'live'")
    cut.wait_for_timeout(500)  # time for any duplicate to arrive
    assert _posts_saying(cut, text).count() == 1
    assert cut.evaluate("window.intercoopLive.lastSeq()") > seq_before

    # And it goes on live after the catch-up.
    after = "Et la suite, en direct."
    _reply_on_the_web(writer, after)
    _appears_live(cut, after)
    assert _posts_saying(cut, after).count() == 1


def test_a_dropped_connection_comes_back_by_itself(browser, server):
    page = _reader(browser, server)
    writer = _writer(browser, server)
    page.evaluate("window.intercoopLive.drop()")
    # Backoff with full jitter: the first retry comes within a second.
    page.wait_for_function("window.intercoopLive.state() === 'live'", timeout=5000)
    text = "Après la reconnexion automatique."
    _reply_on_the_web(writer, text)
    _appears_live(page, text)


def test_the_page_works_without_javascript(browser, server):
    context = browser.new_context(bypass_csp=True, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + server.setup["thread_url"])
    assert page.locator("[data-post-body]", has_text="Premier message du fil.").count() == 1
    assert page.locator("[data-live-indicator]").is_hidden()
    context.close()


def test_a_reader_scrolled_up_is_told_of_new_posts_below(browser, server):
    context = browser.new_context(
        bypass_csp=True, locale="fr-FR", viewport={"width": 900, "height": 240}
    )
    page = context.new_page()
    page.goto(server.url + server.setup["thread_url"])
    page.wait_for_function("window.intercoopLive && window.intercoopLive.state() === 'live'")
    page.evaluate("window.scrollTo(0, 0)")
    writer = _writer(browser, server)
    text = "Un message arrivé plus bas dans la page."
    _reply_on_the_web(writer, text)
    indicator = page.locator("[data-live-indicator]")
    indicator.wait_for(state="visible", timeout=LIVE_WITHIN_MS)
    assert indicator.inner_text() == "1 nouveau message ↓"
    assert "is-new" in page.locator(".posts > li").last.get_attribute("class")
    indicator.click()
    page.wait_for_function(
        "document.querySelector('[data-live-indicator]').hidden", timeout=LIVE_WITHIN_MS
    )
    context.close()


def test_the_session_live_page_counts_who_follows_it(browser, server):
    first = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    first.goto(server.url + server.setup["live_url"])
    first.wait_for_function("window.intercoopLive && window.intercoopLive.state() === 'live'")
    first.wait_for_function(
        "document.querySelector('[data-live-presence]').textContent === '1'",
        timeout=LIVE_WITHIN_MS,
    )
    second_context = browser.new_context(bypass_csp=True, locale="fr-FR")
    second = second_context.new_page()
    second.goto(server.url + server.setup["live_url"])
    first.wait_for_function(
        "document.querySelector('[data-live-presence]').textContent === '2'",
        timeout=LIVE_WITHIN_MS,
    )
    second_context.close()  # a closed tab leaves at once
    first.wait_for_function(
        "document.querySelector('[data-live-presence]').textContent === '1'",
        timeout=LIVE_WITHIN_MS,
    )
