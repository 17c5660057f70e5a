"""pytest plugin loaded first (`-p config.testing` in pyproject).

Before pytest-django imports the settings, it gives the test run a throw-away data
dir, so tests never touch ./var. Under pytest-xdist each worker process gets its own
data dir and, when REDIS_URL is set, its own Redis database: two workers' tests then
never share files, channel groups or Celery queues (their test databases already
differ by pytest-django's per-worker suffix). Tests that need their own data dir
start subprocesses with one.
"""

import os
import re
import tempfile

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")

if _worker:
    os.environ["INTERCOOP_DATA_DIR"] = tempfile.mkdtemp(prefix=f"intercoop-test-{_worker}-")
    _redis = os.environ.get("REDIS_URL")
    _number = int(re.sub(r"\D", "", _worker) or 0)
    if _redis:
        # gw0 keeps the database the run was given; gw1, gw2… count down from it.
        match = re.match(r"^(redis://[^/]+)/?(\d*)$", _redis)
        if match:
            base = int(match.group(2) or 0)
            os.environ["REDIS_URL"] = f"{match.group(1)}/{(base - _number) % 16}"
else:
    os.environ.setdefault("INTERCOOP_DATA_DIR", tempfile.mkdtemp(prefix="intercoop-test-"))


import pytest  # noqa: E402  (the environment above must be set before anything imports Django)

from config.s3_testing import object_store, s3_server  # noqa: E402, F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Each test starts with an empty page cache for anonymous readers: tests reuse ids
    (SQLite rolls its sequences back) and write rows without signals (bulk_create)."""
    from forum import page_cache

    page_cache.forget_all()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords hashed with MD5 in tests: the production hasher (PBKDF2, a million
    rounds) costs 0.5 to 1 s a hash on this machine, and tests make thousands of
    accounts and sign-ins. Servers started by tests as subprocesses keep PBKDF2."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def asgi_application():
    """config.asgi's application, for tests that drive it in-process (websocket
    communicators). Importing config.asgi prepares a web process's connections
    (env.web_databases: no connection kept, a pool on PostgreSQL); a test run must
    keep the settings its test databases were made with, or every later test of the
    process would take its connections from a pool. So they are put back as they
    were once the module is imported."""
    import copy

    from django.conf import settings

    kept = copy.deepcopy(settings.DATABASES)
    try:
        from config.asgi import application
    finally:
        for alias, database in kept.items():
            settings.DATABASES[alias].clear()
            settings.DATABASES[alias].update(database)
    return application


# What Django's ASGI handler itself sends to a thread on every request (its signals,
# closing the response): not the application's hops.
HANDLER_HOPS = {"Signal.asend.<locals>.sync_send", "HttpResponseBase.close"}


@pytest.fixture
def hops(monkeypatch):
    """The names of the functions sent to a thread (sync_to_async) while the fixture
    lives, but the handler's own (HANDLER_HOPS)."""
    from asgiref import sync

    sent = []
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        name = getattr(self.func, "__qualname__", repr(self.func))
        if name not in HANDLER_HOPS:
            sent.append(name)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    return sent


def cache_fails(monkeypatch, *methods: str, error: str = "cache down") -> None:
    """Make these methods of the default cache raise, as an unreachable Redis does (for
    the rest of the test: monkeypatch undoes it)."""
    from django.core.cache import caches

    def unavailable(*args, **kwargs):
        raise ConnectionError(error)

    backend = type(caches["default"])
    for method in methods:
        monkeypatch.setattr(backend, method, unavailable)


try:
    import pytest
except ImportError:  # pragma: no cover - this module is a pytest plugin
    pytest = None

if pytest is not None:

    @pytest.fixture(autouse=True)
    def _own_cache_namespace(settings):
        """Each test gets cache keys of its own. The cache holds sessions, signed-in
        accounts (forum/user_cache.py), allauth's rate limits and live presence
        counts; on SQLite the next test's account gets the id of the previous test's,
        whose cached row must not be found. A fresh key prefix, rather than a flush
        that would empty a Redis database other test runs may share."""
        import copy
        import uuid

        caches = copy.deepcopy(settings.CACHES)
        caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
        settings.CACHES = caches


# Tests that start their own `intercoop run`, benchmark or command on the embedded
# defaults, with DATABASE_URL and REDIS_URL removed from their environment: they test the same
# thing whatever the run was given. CI runs the suite twice (embedded defaults, then
# PostgreSQL + Redis) and sets INTERCOOP_TESTS_EMBEDDED_DONE on the second pass, so
# they run once; a run without it runs them all.
EMBEDDED_ONLY_FILES = (
    "tests/browser/test_live_thread.py",
    "tests/browser/test_live_shared_thread.py",
    "tests/browser/test_csp.py",
    "tests/browser/test_questionnaire_draft.py",
    "tests/browser/test_synthesis_live.py",
    "tests/test_bench_smoke.py",
    "tests/test_intercoop_run.py",
    "config/tests/test_backup_object_store.py",
    "config/tests/test_cli_object_store.py",
)


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("INTERCOOP_TESTS_EMBEDDED_DONE"):
        return
    skip = pytest.mark.skip(
        reason="starts its own embedded server, already run on the embedded defaults "
        "(INTERCOOP_TESTS_EMBEDDED_DONE)"
    )
    for item in items:
        if item.nodeid.split("::", 1)[0] in EMBEDDED_ONLY_FILES:
            item.add_marker(skip)
