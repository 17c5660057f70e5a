"""A message's DATA read into one buffer, and into a file once it is large.

aiosmtpd reads DATA as a list of its lines and joins them at the end: a 25 MB message
is some 330,000 small objects, which Python's allocator keeps in arenas that are
seldom wholly free again, so the gateway's memory stayed about twice its start after
a burst of large messages (docs/benchmarks.md, "Large messages"). Here each line read
is added to one buffer and dropped at once; past INTERCOOP_INBOUND_FILE_BYTES the
buffer goes to the message's file (mailbridge/raw_files.py) as it fills, written in
a thread, so a large message never sits whole in memory. The SMTP rules are
aiosmtpd's: a line of a lone dot ends the data, a leading dot is removed from the
others (RFC 5321 §4.5.2), a line longer than the protocol's limit gets 500 and more
bytes than the limit 552, both once the data has ended (RFC 5321 §4.2.5).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiosmtpd.smtp import MISSING

from mailbridge.raw_files import RawFileWriter

# The bytes gathered before each write to the file: few thread hand-overs a message,
# and buffers large enough to be mapped apart from the heap (data_budget.py).
FLUSH_BYTES = 1024 * 1024
END = b".\r\n"
TOO_LONG = "500 Line too long (see RFC5321 4.5.3.1.6)"
TOO_MUCH = "552 Error: Too much mail data"


class Spool:
    """The bytes of one message: `first` (our trace header), then its data."""

    def __init__(self, first: bytes, *, file_bytes: int):
        self.buffer = bytearray(first)
        self.size = len(first)
        self.file_bytes = file_bytes
        self.file: RawFileWriter | None = None

    @property
    def on_disk(self) -> bool:
        return self.file is not None

    async def add(self, line: bytes) -> None:
        self.buffer += line
        self.size += len(line)
        if self.file is None and self.size > self.file_bytes:
            # Opened here, not in a thread: a DATA cancelled meanwhile (the client
            # gone) would leave a file no one discards.
            self.file = RawFileWriter()
        if self.file is not None and len(self.buffer) >= FLUSH_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        chunk, self.buffer = self.buffer, bytearray()
        await asyncio.to_thread(self.file.write, chunk)

    def content(self) -> bytes:
        """The whole message, for one kept in memory."""
        assert self.file is None
        return bytes(self.buffer)

    async def keep(self) -> str:
        """The file made durable (before the row is committed); its name."""
        await self._flush()
        file, self.file = self.file, None
        return await asyncio.to_thread(file.keep)

    def discard(self) -> None:
        """Give up what was not kept: the buffer, and the file's partial bytes."""
        self.buffer = bytearray()
        file, self.file = self.file, None
        if file is not None:
            file.discard()  # a close and an unlink: not worth a thread


async def spool_data(
    reader: asyncio.StreamReader, spool: Spool, *, limit: int | None, line_limit: int
) -> str | None:
    """Read DATA from `reader` into `spool` up to its lone dot; None, or the refusal
    to answer (too long a line, too many bytes) once the data has ended, when what
    was spooled is already discarded."""
    refusal: str | None = None
    received = 0
    in_long_line = False  # the rest of a line longer than the reader's buffer follows
    while True:
        try:
            line = await reader.readuntil(b"\r\n")
        except asyncio.LimitOverrunError as overrun:
            await reader.readexactly(overrun.consumed)
            received += overrun.consumed
            in_long_line = True
            refusal = refusal or TOO_LONG
            spool.discard()
            continue
        if in_long_line:
            in_long_line = False
            continue
        if line == END:
            return refusal
        received += len(line)
        if refusal is None and limit and received > limit:
            refusal = TOO_MUCH
        if refusal is None and len(line) > line_limit:
            refusal = TOO_LONG
        if refusal is not None:
            spool.discard()
            continue
        await spool.add(line[1:] if line[:1] == b"." else line)


async def data_receive(protocol, arg: str, header: Callable[[], bytes]) -> None:
    """DATA for `protocol` (a GatewaySMTP) as aiosmtpd answers it, the message
    spooled after `header()` and handed to the handler as `envelope.spool`."""
    if await protocol.check_helo_needed() or await protocol.check_auth_needed("DATA"):
        return
    envelope = protocol.envelope
    if not envelope.rcpt_tos:
        await protocol.push("503 Error: need RCPT command")
        return
    if arg:
        await protocol.push("501 Syntax: DATA")
        return
    spool = envelope.spool = Spool(header(), file_bytes=protocol.event_handler.file_bytes)
    await protocol.push("354 End data with <CR><LF>.<CR><LF>")
    try:
        refusal = await spool_data(
            protocol._reader,
            spool,
            limit=protocol.data_size_limit,
            line_limit=protocol.line_length_limit,
        )
        status = refusal or await protocol._call_handler_hook("DATA")
    finally:
        spool.discard()  # what the handler did not keep
    protocol._set_post_data_state()
    await protocol.push("250 OK" if status is MISSING else status)
