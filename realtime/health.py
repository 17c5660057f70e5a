"""`/ws/health/`: a websocket that answers, for operators and tests."""

from realtime.json_consumer import CLOSE_BAD_REQUEST, StrictJsonConsumer


class HealthConsumer(StrictJsonConsumer):
    """Answers {"type": "ping"} with {"type": "pong"}: lets operators and tests check
    that websockets are served end to end (ASGI server, Channels, routing)."""

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.close(code=CLOSE_BAD_REQUEST)
