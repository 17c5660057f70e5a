"""`GET /healthz`: the process is up and serving requests.

For load balancers, container orchestrators and uptime checks: a plain "ok", with no
database query and no template, so that it answers as long as the web process
itself does (a database outage shows on the pages, not here). It goes through the
whole middleware stack like any page, which also makes it the product's own minimal page,
bench/web.py measures beside the minimal Django application: the gap is what the
stack costs. An async view: the request never leaves the event loop for a thread.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
async def healthz(request) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
