"""`intercoop run`: web, SMTP gateway and background worker in one process.

One asyncio loop serves HTTP + websockets (uvicorn) and SMTP (aiosmtpd); a Celery
worker consumes the in-memory broker in a thread of the same process. Sharing the
process is what lets a reply arriving by SMTP be pushed live through Channels'
in-memory layer (design.md, "Known traps"). uvicorn captures SIGINT/SIGTERM; when it
returns, the gateway and the worker are stopped in turn.
"""

from __future__ import annotations

import asyncio
import logging
import threading

logger = logging.getLogger("intercoop")


class EmbeddedWorker:
    """A Celery worker (and beat) running in a thread, on the in-process broker."""

    def __init__(self):
        from celery.worker import WorkController
        from django.conf import settings

        from config.celery import app

        self.controller = WorkController(
            app=app,
            hostname="embedded@intercoop",
            pool_cls="solo",
            concurrency=1,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            beat=True,
            schedule_filename=str(settings.DATA_DIR / "celerybeat-schedule"),
            loglevel=logging.INFO,
        )
        self.thread = threading.Thread(target=self.controller.start, name="worker", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10) -> None:
        self.controller.stop(in_sighandler=False)
        self.thread.join(timeout)


async def _serve(*, host: str, port: int, smtp_port: int) -> None:
    import uvicorn

    from mailbridge.smtp.gateway import start_gateway

    gateway = await start_gateway(host=host, port=smtp_port)
    config = uvicorn.Config(
        "config.asgi:application", host=host, port=port, lifespan="off", log_level="info"
    )
    server = uvicorn.Server(config)
    print(
        f"Intercoop is running: http://{host}:{port}/  (SMTP on {host}:{smtp_port}; Ctrl-C stops)",
        flush=True,
    )
    try:
        await server.serve()
    finally:
        gateway.close()
        await gateway.wait_closed()


def _absorb_stop_signals() -> None:
    """uvicorn re-raises the SIGINT/SIGTERM it caught once it has shut down; make
    that a no-op so the gateway and the worker get stopped cleanly after it."""
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: logger.info("stopping (signal %s)", signum))


def run(*, host: str, port: int, smtp_port: int) -> int:
    _absorb_stop_signals()
    worker = EmbeddedWorker()
    worker.start()
    try:
        asyncio.run(_serve(host=host, port=port, smtp_port=smtp_port))
    finally:
        worker.stop()
        print("Intercoop stopped.", flush=True)
    return 0


def run_smtp_only(*, host: str, port: int) -> int:
    import signal

    from mailbridge.smtp.gateway import start_gateway

    async def serve() -> None:
        gateway = await start_gateway(host=host, port=port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"Intercoop SMTP gateway on {host}:{port}", flush=True)
        await stop.wait()
        gateway.close()
        await gateway.wait_closed()

    asyncio.run(serve())
    return 0
