"""Websocket consumers. The live thread, board and session pages come with issue 7."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class HealthConsumer(AsyncJsonWebsocketConsumer):
    """Answers {"type": "ping"} with {"type": "pong"}: lets operators and tests check
    that websockets are served end to end (ASGI server, Channels, routing)."""

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.close(code=4400)
