"""The base of our websocket consumers: JSON in and out, a clear close for the rest."""

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
