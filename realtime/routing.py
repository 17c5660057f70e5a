from django.urls import path

from realtime.consumers import (
    BoardConsumer,
    SessionLiveConsumer,
    SynthesisConsumer,
    ThreadConsumer,
)
from realtime.health import HealthConsumer

websocket_urlpatterns = [
    path("ws/health/", HealthConsumer.as_asgi()),
    path("ws/threads/<int:pk>/", ThreadConsumer.as_asgi()),
    path("ws/boards/<slug:slug>/", BoardConsumer.as_asgi()),
    path("ws/sessions/<slug:slug>/live/", SessionLiveConsumer.as_asgi()),
    path("ws/sessions/<slug:slug>/synthese/", SynthesisConsumer.as_asgi()),
]
