"""Who holds a claimed row, for how long, and what becomes of a dead holder's rows.

A worker that claims stored mail (InboundMessage: RECEIVED → PROCESSING) or a batch
of the outbox (Delivery: PENDING → SENDING) writes its owner in `claimed_by` and a
short lease in `lease_until` (INTERCOOP_CLAIM_LEASE_SECONDS). While it works, a
heartbeat thread of its process renews the leases of every row it holds, every third
of the lease: a live worker, however slow, keeps its rows; a dead one's lapse within
one lease, and the sweepers (every few seconds) hand them out again.

The owner is `host:pid:start`, `start` being when that process started (from
/proc): a process starting on the host releases at once the claims of owners on the
same host whose process is gone, or whose pid now names another process, without
waiting for their leases (`leases_release_dead`). In a container restarted with the
same hostname and pids, the start time tells the new process from the old.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


def _start_of(pid: int | str) -> str:
    """When process `pid` started (clock ticks since boot), "" when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # The command name, in parentheses, may hold spaces: count after it.
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


def lease_owner() -> str:
    """This process as a claim's owner: host:pid:start."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_of('self')}"


def lease_seconds() -> float:
    return float(settings.INTERCOOP_CLAIM_LEASE_SECONDS)


def lease_until() -> datetime:
    """The expiry a claim made now gets."""
    return timezone.now() + timedelta(seconds=lease_seconds())


def lease_lapsed(now: datetime) -> Q:
    """Rows whose lease has lapsed (or that never had one: claimed before leases)."""
    return Q(lease_until__isnull=True) | Q(lease_until__lte=now)


def owner_is_dead(owner: str) -> bool:
    """Whether `owner` (host:pid:start…) is a process of this host that is gone.
    False for another host's owners (nothing can be known of them here: their
    leases lapse) and for what does not read as an owner."""
    host, _, rest = owner.partition(":")
    pid, _, rest = rest.partition(":")
    start = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return start != _start_of("self")
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, under another user
    current = _start_of(pid)
    return bool(start and current and start != current)


class Heartbeat:
    """The thread that renews this process's leases while it holds claims.

    Started with the first hold of the process (of each pool child after a fork);
    it touches the database only while something is held, each time with a
    connection it closes after, so an idle worker keeps no connection for it.
    """

    def __init__(self):
        self.pid = os.getpid()
        self.owner = lease_owner()
        self.holds: set[Hold] = set()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def hold(self, hold: Hold) -> None:
        with self.lock:
            self.holds.add(hold)
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._run, name="lease-heartbeat", daemon=True
                )
                self.thread.start()

    def release(self, hold: Hold) -> None:
        with self.lock:
            self.holds.discard(hold)

    def _run(self) -> None:
        while True:
            self.wake.wait(lease_seconds() / 3)
            self.wake.clear()
            with self.lock:
                holds = list(self.holds)
            if holds:
                self.renew(holds)

    def renew(self, holds: list[Hold]) -> None:
        """Extend the lease of every row this process holds."""
        from mailbridge.models import Delivery, DeliveryStatus, InboundMessage, InboundStatus

        started = time.monotonic()
        until = lease_until()
        try:
            InboundMessage.objects.filter(
                status=InboundStatus.PROCESSING, claimed_by=self.owner
            ).update(lease_until=until)
            Delivery.objects.filter(
                status=DeliveryStatus.SENDING, claimed_by__startswith=f"{self.owner}:"
            ).update(lease_until=until)
        except Exception:
            logger.warning("could not renew the leases of this worker's claims", exc_info=True)
            return
        finally:
            if threading.current_thread() is self.thread:
                connection.close()
        for hold in holds:
            hold.expires = max(hold.expires, started + lease_seconds())


class Hold:
    """One piece of work holding claims; `expires` (monotonic) is when its rows'
    leases lapse, as far as this process knows."""

    def __init__(self):
        self.expires = time.monotonic() + lease_seconds()

    def running_out(self) -> bool:
        """Less than half a lease left: the heartbeat is failing; whoever holds
        this should give its rows back before the sweeper hands them out again."""
        return time.monotonic() > self.expires - lease_seconds() / 2


_heartbeat: Heartbeat | None = None
_heartbeat_lock = threading.Lock()


def heartbeat() -> Heartbeat:
    global _heartbeat
    with _heartbeat_lock:
        if _heartbeat is None or _heartbeat.pid != os.getpid():  # none yet, or forked
            _heartbeat = Heartbeat()
        return _heartbeat


@contextmanager
def lease_hold():
    """Around work that claims rows and works on them: their leases are renewed
    until it ends. Claim inside it, with owner `lease_owner()`."""
    beat = heartbeat()
    hold = Hold()
    beat.hold(hold)
    try:
        yield hold
    finally:
        beat.release(hold)


def leases_release_dead() -> int:
    """Expire at once the leases of claims whose owner is a dead process of this
    host (a worker or gateway restarting after a crash); returns how many rows.
    The sweepers and the start-up requeue then hand them out."""
    from mailbridge.models import Delivery, DeliveryStatus, InboundMessage, InboundStatus

    prefix = f"{socket.gethostname()}:"
    released = 0
    for rows in (
        InboundMessage.objects.filter(status=InboundStatus.PROCESSING),
        Delivery.objects.filter(status=DeliveryStatus.SENDING),
    ):
        rows = rows.filter(claimed_by__startswith=prefix, lease_until__gt=timezone.now())
        claims = rows.order_by().values_list("claimed_by", flat=True).distinct()
        owners = {":".join(claim.split(":")[:3]) for claim in claims}
        for owner in filter(owner_is_dead, owners):
            released += rows.filter(
                Q(claimed_by=owner) | Q(claimed_by__startswith=f"{owner}:")
            ).update(lease_until=timezone.now())
    if released:
        logger.warning("released %d claim(s) of worker(s) that died on this host", released)
    return released
