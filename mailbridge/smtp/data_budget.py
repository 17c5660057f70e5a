"""The bytes of DATA the gateway holds at once, bounded.

Twelve 26 MB messages sent at once took the process's memory up by more than half a
gigabyte, and the heap kept most of it afterwards (aiosmtpd read each as a list of
lines; smtp/spool.py now reads a large one into its file as it arrives). Each DATA
also reserves, before its 354, the size its client declared at MAIL (the SIZE
extension, RFC 1870; the largest message allowed when it declared none) from
`INTERCOOP_SMTP_DATA_BUDGET_BYTES`; when the reservation does not fit beside those in
flight, DATA is answered `451 4.3.1` and the sending server retries later. The
reservation is also the message's limit for this DATA: a client that sends more than
it declared gets `552 5.3.4`, so the bound holds whatever clients say. When the last
DATA in flight ends after a large one, the C heap is asked to give its free pages
back (`malloc_trim`, glibc): what a message's buffers left free would stay mapped
otherwise (a few megabytes after a burst: docs/benchmarks.md, "Large messages").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import re
from collections.abc import Awaitable, Callable

from mailbridge.inbound.reasons import Reason

logger = logging.getLogger(__name__)

_SIZE = re.compile(r"^SIZE=(\d{1,12})$", re.IGNORECASE)


def declared_size(mail_options: list[str], largest: int) -> int:
    """The SIZE a client declared at MAIL FROM, at most `largest`; else `largest`."""
    for option in mail_options or ():
        match = _SIZE.match(option.strip())
        if match:
            return max(1, min(int(match.group(1)), largest))
    return largest


# mallopt's M_MMAP_THRESHOLD: allocations from this size up are mapped on their own and
# unmapped when freed. glibc raises the threshold each time such a block is freed (up
# to 32 MB), after which a message's buffers come from the heap and stay there.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1024 * 1024


def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc
        return None


_LIBC = _libc()


def heap_fix_threshold() -> None:
    """Keep large buffers out of the heap (called once, when the gateway starts)."""
    if _LIBC is not None and hasattr(_LIBC, "mallopt"):
        _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def heap_release() -> None:
    """Give the free memory back to the system, where the C library can: Python's
    unreachable objects collected, then the C heap's free pages."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class DataBudget:
    """Reservations of DATA bytes, taken and given back on the event loop (no lock)."""

    def __init__(self, limit: int, *, large: int):
        heap_fix_threshold()
        self.limit = limit
        self.large = large  # a message this large makes the heap worth trimming after
        self.in_flight = 0
        self._trim_due = False

    def take(self, size: int) -> bool:
        if self.in_flight and self.in_flight + size > self.limit:
            return False
        self.in_flight += size
        return True

    def give(self, size: int, *, received: int) -> None:
        self.in_flight -= size
        if received >= self.large:
            self._trim_due = True
        if self.in_flight == 0 and self._trim_due:
            self._trim_due = False
            heap_release()


async def data_within_budget(protocol, arg: str, data: Callable[[str], Awaitable[None]]) -> None:
    """Run aiosmtpd's DATA (`data`, for `protocol`, a GatewaySMTP) inside a reservation
    from its handler's budget, or answer 451 4.3.1 when it does not fit. Without a
    recipient, with an argument, or without a budget, aiosmtpd answers as it does."""
    budget: DataBudget | None = getattr(protocol.event_handler, "budget", None)
    envelope = protocol.envelope
    if budget is None or arg or envelope is None or not envelope.rcpt_tos:
        await data(arg)
        return
    largest = protocol.data_size_limit
    size = declared_size(envelope.mail_options, largest) if largest else budget.limit
    if not budget.take(size):
        peer = getattr(protocol.session, "peer", None)
        logger.info(
            "DATA from %s deferred: %d bytes asked, %d in flight",
            peer[0] if isinstance(peer, tuple) else peer,
            size,
            budget.in_flight,
        )
        await protocol.push(Reason.DATA_BUDGET.line())
        return
    protocol.data_size_limit = size  # more than declared: 552, so the bound holds
    try:
        await data(arg)
    finally:
        protocol.data_size_limit = largest
        spool = getattr(envelope, "spool", None)
        budget.give(size, received=spool.size if spool is not None else 0)
