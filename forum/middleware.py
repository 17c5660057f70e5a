"""The forum's refusals as HTTP answers, in one place.

A service refuses what the person may not do by raising `forum.errors.NotAllowed`
with the reason in their language. Views let it go: this middleware answers it with
the 403 page and its reason (`errors/403.html`), or, for the JSON API, with the API's
own JSON error. What a person typed wrong (`UserError`) is not a refusal: the view
shows it next to the form.
"""

from __future__ import annotations

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from forum.errors import NotAllowed
from forum.views.api import refused
from forum.views.errors import permission_denied

logger = logging.getLogger(__name__)


class DomainRefusalMiddleware:
    # Both modes, so that under ASGI the request does not leave the event loop for a
    # thread on its way in and out of this middleware; Django calls process_exception
    # itself, for sync and async views alike.
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        # The awaitable of an async chain is returned as it is: awaited by the caller.
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, NotAllowed):
            return None
        logger.info(
            "refused %s %s to user %s: %s",
            request.method,
            request.path,
            getattr(getattr(request, "user", None), "pk", None),
            exception.code,
        )
        match = request.resolver_match
        if match is not None and match.namespace == "api":
            return refused(request, exception)
        return permission_denied(request, exception)
