"""ASGI entry point: HTTP through Django, websockets through Channels."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

from common import collector  # noqa: E402
from config import env  # noqa: E402
from config.origins import SiteOriginValidator  # noqa: E402
from config.request_threads import RequestThreads  # noqa: E402

# Each request's connection goes back at its end, to a pool on PostgreSQL (env.py).
env.web_databases(settings.DATABASES)

django_application = get_asgi_application()

from realtime.auth import live_auth_stack  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# Everything loaded so far (Django, the apps, the URL conf, templates' modules) lives as
# long as the process: out of the collector's sight, full collections no longer walk
# it, which took the slowest requests' tail down (docs/benchmarks.md, "Web pages").
gc.freeze()
# What each connection leaves (consumer, protocol objects, tasks) is walked by full
# collections: they run when the process is quiet, not among live deliveries.
collector.install()

application = collector.CollectInQuietMoments(
    ProtocolTypeRouter(
        {
            # Each request's sync code on a thread kept between requests.
            "http": RequestThreads(django_application),
            "websocket": SiteOriginValidator(live_auth_stack(URLRouter(websocket_urlpatterns))),
        }
    )
)
