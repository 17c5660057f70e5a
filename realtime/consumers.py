"""Websocket consumers. The live thread, board and session pages come with issue 7."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

# Application close code (RFC 6455 §7.4.2 leaves 4000-4999 to applications): the
# client sent something this socket does not understand.
CLOSE_BAD_REQUEST = 4400


class StrictJsonConsumer(AsyncJsonWebsocketConsumer):
    """A JSON consumer whose client gets a clear answer for any bad frame.

    Channels' JSON consumer raises on a binary frame or a text that is not JSON,
    which kills the consumer and closes the socket with 1011 (server error); here
    such a frame closes it with 4400 as an unknown message does.
    """

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


class HealthConsumer(StrictJsonConsumer):
    """Answers {"type": "ping"} with {"type": "pong"}: lets operators and tests check
    that websockets are served end to end (ASGI server, Channels, routing)."""

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.close(code=CLOSE_BAD_REQUEST)
