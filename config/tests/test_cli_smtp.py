"""`intercoop smtp` serves the gateway on uvloop's event loop when uvloop is installed."""

import asyncio
import socket

import pytest

from config import cli, embedded


@pytest.fixture
def loop_policy():
    previous = asyncio.get_event_loop_policy()
    yield
    asyncio.set_event_loop_policy(previous)


@pytest.mark.django_db
def test_intercoop_smtp_runs_the_gateway_on_uvloop(loop_policy, monkeypatch):
    uvloop = pytest.importorskip("uvloop")
    served = []

    def run_smtp_only(*, host, port):
        loop = asyncio.new_event_loop()
        served.append((host, port, type(loop)))
        loop.close()
        return 0

    monkeypatch.setattr(embedded, "run_smtp_only", run_smtp_only)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert cli.main(["smtp", "--port", str(port)]) == 0
    assert served == [("127.0.0.1", port, uvloop.Loop)]
