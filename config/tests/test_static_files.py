"""Static files: the favicon, and files streamed under ASGI without Django's warning
about synchronous iterators (config/streaming.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

from forum.tests.reading import elements

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_names_the_favicon(client, db):
    icons = [
        attrs
        for tag, attrs in elements(client.get("/"))
        if tag == "link" and attrs.get("rel") == "icon"
    ]
    assert icons == [{"rel": "icon", "href": "/static/favicon.svg", "type": "image/svg+xml"}]


def test_favicon_ico_leads_to_the_svg_icon(client, db):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    # Static files stream from an asynchronous iterator (servestatic, for ASGI): the
    # test client's synchronous response reads it through Django's adapter.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "StreamingHttpResponse must consume asynchronous")
        assert b"<svg" in b"".join(icon)


async def _read_as_an_asgi_server(path: str) -> tuple[object, bytes]:
    response = await AsyncClient().get(path)
    body = b"".join([chunk async for chunk in response])
    return response, body


@pytest.mark.parametrize("path", ["/static/css/intercoop.css", "/static/favicon.svg"])
def test_a_static_file_is_streamed_under_asgi_without_the_synchronous_iterator_warning(db, path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response, body = async_to_sync(_read_as_an_asgi_server)(path)
    assert response.status_code == 200
    assert body == (ROOT / "static" / path.removeprefix("/static/")).read_bytes()
    assert [str(w.message) for w in caught if "synchronous iterators" in str(w.message)] == []
