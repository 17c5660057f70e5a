"""The base of our websocket consumers: JSON in and out, a clear close for the rest."""

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from realtime.errors import CloseCode

# Application close code (RFC 6455 §7.4.2 leaves 4000-4999 to applications): the
# client sent something this socket does not understand.
CLOSE_BAD_REQUEST = int(CloseCode.BAD_REQUEST)


class StrictJsonConsumer(AsyncJsonWebsocketConsumer):
    """A JSON consumer whose client gets a clear answer for any bad frame.

    Channels' JSON consumer raises on a binary frame or a text that is not JSON,
    which kills the consumer and closes the socket with 1011 (server error); here
    such a frame closes it with 4400 as an unknown message does.
    """

    # Channels calls `close_old_connections` before every message (the connect, each
    # frame) and after the disconnect: a trip each to the one thread its sync code
    # shares, where a thousand readers joining at once queued behind each other
    # (docs/benchmarks.md, "Live"). Not here: our handlers never use the database in
    # the event loop (Django refuses it there), and every read goes through
    # `database_sync_to_async`, which gives its thread's connection back before and
    # after.

    async def __call__(self, scope, receive, send):
        if self.channel_layer_alias is not None:
            return await super().__call__(scope, receive, send)
        # No channel of its own (realtime.consumers): the socket's messages one after
        # the other, without Channels' new task and asyncio.wait for each.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message):
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:  # json.JSONDecodeError, and UnicodeDecodeError
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        await self.receive_json(content, **kwargs)
