"""Under ASGI a request stays in the event loop through the middleware stack
(config/middleware.py): it goes to a thread for a sync view, and for hooks that may wait
on I/O, and only then; what the middleware does is unchanged."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

# `hops` (config/testing.py): what goes to a thread, but Django's ASGI handler's own.


def _get(path: str, **headers):
    return async_to_sync(AsyncClient().get)(path, **headers)


def test_healthz_never_leaves_the_event_loop(hops):
    response = _get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    # The stack's headers are still set, in the event loop.
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert hops == []


@pytest.mark.django_db(transaction=True)
def test_a_page_goes_to_a_thread_for_its_view_only(hops):
    response = _get("/accounts/login/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert response["Content-Language"] == "en"  # the locale chosen in the event loop
    assert "csrftoken" in response.cookies  # the CSRF hook, in the event loop
    # The (sync) view, and the rendering of its TemplateResponse: no middleware hook.
    assert hops == ["View.as_view.<locals>.view", "SimpleTemplateResponse.render"]


@pytest.mark.django_db(transaction=True)
def test_a_post_is_still_checked_for_its_csrf_token(hops):
    response = async_to_sync(AsyncClient(enforce_csrf_checks=True).post)(
        "/i18n/setlang/", {"language": "en"}
    )
    assert response.status_code == 403
