"""Web processes must not keep database connections between requests (ASGI runs each
request on a thread of its own: a kept connection is never reused and stays open
until the garbage collector finds it); workers keep theirs."""

from config import env


def test_the_web_application_closes_each_requests_connection():
    from django.conf import settings as live

    import config.asgi  # noqa: F401  (sets the web process's connection lifetime)

    assert all(database["CONN_MAX_AGE"] == 0 for database in live.DATABASES.values())


def test_workers_keep_their_postgresql_connection_a_minute(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://intercoop@db.example.org/intercoop")
    assert env.database(tmp_path)["CONN_MAX_AGE"] == 60
