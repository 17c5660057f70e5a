"""Web processes must not keep database connections between requests (ASGI runs each
request on a thread of its own: a kept connection is never reused and stays open
until the garbage collector finds it); workers keep theirs."""

import sys

from config import env


def test_the_web_application_gives_each_requests_connection_back():
    import copy

    from django.conf import settings as live

    kept = copy.deepcopy(live.DATABASES)
    try:
        sys.modules.pop("config.asgi", None)  # imported afresh, as a web process does
        import config.asgi  # noqa: F401  (sets the web process's connections)

        assert all(database["CONN_MAX_AGE"] == 0 for database in live.DATABASES.values())
    finally:
        # The other tests of this process keep the connections they were set up with.
        for alias, database in kept.items():
            live.DATABASES[alias].clear()
            live.DATABASES[alias].update(database)


def test_tests_driving_the_application_keep_their_database_settings():
    import copy

    from django.conf import settings as live

    from config.testing import asgi_application

    kept = copy.deepcopy(live.DATABASES)
    sys.modules.pop("config.asgi", None)
    assert asgi_application() is not None
    assert live.DATABASES == kept


def test_web_processes_take_postgresql_connections_from_a_pool(monkeypatch, tmp_path, settings):
    settings.INTERCOOP_WEB_DB_POOL = 12
    monkeypatch.setenv("DATABASE_URL", "postgres://intercoop@db.example.org/intercoop")
    postgresql = {"default": env.database(tmp_path)}
    monkeypatch.delenv("DATABASE_URL")
    sqlite = {"default": env.database(tmp_path)}
    env.web_databases(postgresql)
    env.web_databases(sqlite)
    assert postgresql["default"]["CONN_MAX_AGE"] == sqlite["default"]["CONN_MAX_AGE"] == 0
    assert postgresql["default"]["OPTIONS"]["pool"]["max_size"] == 12
    assert "pool" not in sqlite["default"].get("OPTIONS", {})


def test_workers_keep_their_postgresql_connection_a_minute(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://intercoop@db.example.org/intercoop")
    assert env.database(tmp_path)["CONN_MAX_AGE"] == 60
