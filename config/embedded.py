"""`intercoop run`: web, SMTP gateway and background worker in one process.

One asyncio loop serves HTTP + websockets (uvicorn) and SMTP (aiosmtpd); a Celery
worker consumes the in-memory broker in a thread of the same process. Sharing the
process is what lets a reply arriving by SMTP be pushed live through Channels'
in-memory layer (docs/fixed-points.md, "Channels' in-memory layer is per process").
uvicorn captures SIGINT/SIGTERM; when it returns, the gateway and the worker are
stopped in turn (see StopRequest).
"""

from __future__ import annotations

import asyncio
import logging
import threading

logger = logging.getLogger("intercoop")


class EmbeddedWorker:
    """A Celery worker and beat, each in a thread, on the in-process broker.

    Beat is started here as a thread rather than with WorkController(beat=True):
    that option runs beat in a child *process* (celery.beat.EmbeddedService without
    thread=True), whose memory:// broker is its own copy, so every periodic task
    it sent (the outbox sweeper, the digests) was lost.
    """

    def __init__(self):
        from celery.beat import EmbeddedService
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
            beat=False,
            loglevel=logging.INFO,
        )
        self.thread = threading.Thread(target=self.controller.start, name="worker", daemon=True)
        self.beat = EmbeddedService(
            app, thread=True, schedule_filename=str(settings.DATA_DIR / "celerybeat-schedule")
        )

    def start(self) -> None:
        self.thread.start()
        self.beat.start()

    def stop(self, timeout: float = 10) -> None:
        self.beat.stop()
        self.controller.stop(in_sighandler=False)
        self.thread.join(timeout)


class StopRequest:
    """The SIGINT/SIGTERM handler installed for the whole of `intercoop run`.

    uvicorn captures both signals while it serves, then re-raises the one it caught
    once it has shut down: that second delivery must be a no-op so the gateway and
    the worker get stopped cleanly after it. A signal arriving before uvicorn serves
    (while the worker and the gateway start) is remembered and stops the server as
    soon as it exists, instead of being swallowed.
    """

    def __init__(self):
        self.requested = False
        self.server = None

    def __call__(self, signum, frame) -> None:
        logger.info("stopping (signal %s)", signum)
        self.requested = True
        if self.server is not None:
            self.server.should_exit = True

    def install(self) -> None:
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self)

    def attach(self, server) -> None:
        self.server = server
        if self.requested:
            server.should_exit = True


async def _serve(*, host: str, port: int, smtp_port: int, stop: StopRequest) -> None:
    import uvicorn
    from django.conf import settings

    from mailbridge.smtp.gateway import start_gateway
    from realtime import bridge

    # Live pushes from the worker thread go through this loop (realtime/bridge.py).
    bridge.attach(asyncio.get_running_loop())
    gateway = await start_gateway(host=host, port=smtp_port)
    config = uvicorn.Config(
        "config.asgi:application",
        host=host,
        port=port,
        lifespan="off",
        log_level="info",
        ws_per_message_deflate=False,  # as `intercoop web` (config/cli.py)
        forwarded_allow_ips=settings.INTERCOOP_TRUSTED_PROXIES,  # as common.client_ip
    )
    server = uvicorn.Server(config)
    stop.attach(server)
    print(
        f"Intercoop is running: http://{host}:{port}/  (SMTP on {host}:{smtp_port}; Ctrl-C stops)",
        flush=True,
    )
    try:
        await server.serve()
    finally:
        bridge.detach()
        gateway.close()
        await gateway.wait_closed()


def requeue_inbound() -> None:
    """Stored mail not processed yet (the process stopped between the gateway's 250
    and the pipeline), and what dead processes of this host held, is handed to the
    workers again at start (mailbridge.tasks.claims_resume)."""
    from mailbridge.tasks import claims_resume

    try:
        claims_resume()
    except Exception:  # the sweepers try again every few seconds
        logger.exception("could not requeue the stored inbound mail at start")


def run(*, host: str, port: int, smtp_port: int) -> int:
    stop = StopRequest()
    stop.install()
    worker = EmbeddedWorker()
    worker.start()
    requeue_inbound()
    try:
        asyncio.run(_serve(host=host, port=port, smtp_port=smtp_port, stop=stop))
    finally:
        worker.stop()
        print("Intercoop stopped.", flush=True)
    return 0


def run_smtp_only(*, host: str, port: int) -> int:
    import signal

    from mailbridge.smtp.gateway import start_gateway

    requeue_inbound()

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
