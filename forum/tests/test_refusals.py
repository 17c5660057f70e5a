"""The forum's refusals (NotAllowed) answered in one place (forum.middleware): the 403
page with the reason in French, the API's JSON 403, under WSGI-style and ASGI handling,
for sync and async views."""

from __future__ import annotations

import logging
import uuid

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.http import HttpResponse
from django.test import AsyncClient
from django.urls import path, reverse

import config.urls
from forum.errors import NotAllowed
from forum.middleware import DomainRefusalMiddleware
from forum.models import Thread
from forum.tests.factories import make_user
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db


async def _async_refusal(request):
    raise NotAllowed("Refusé sans quitter la boucle.")


# This module is also the URLconf of the tests marked with it: the site's URLs plus an
# async view that refuses.
urlpatterns = [path("essai/refus-async/", _async_refusal), *config.urls.urlpatterns]


def key() -> str:
    return uuid.uuid4().hex


def assert_refusal_page(response, reason: str) -> None:
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    text = page_text(response)
    assert "Accès refusé" in text
    assert reason in text


def test_a_reply_refused_by_the_forum_gets_the_403_page_with_its_reason(client, thread, caplog):
    person = make_user()
    client.force_login(person)
    with caplog.at_level(logging.INFO, logger="forum.middleware"):
        response = client.post(
            reverse("forum:post_reply", args=[thread.pk]),
            {"body": "Bonjour", "submission_key": key()},
        )
    assert_refusal_page(response, "Vous ne pouvez pas écrire dans ce forum.")
    assert thread.posts.count() == 1
    assert any(
        f"/fils/{thread.pk}/repondre/" in record.getMessage()
        and f"user {person.pk}" in record.getMessage()
        and "cannot_post" in record.getMessage()
        for record in caplog.records
    )


def test_a_new_thread_refused_by_the_forum_after_the_pages_check_gets_the_403_page(
    client, board, monkeypatch
):
    # The page's own check passed (say the registration was cancelled in between):
    # the service's refusal is the answer.
    monkeypatch.setattr("forum.views.boards.can_post", lambda user, board: True)
    client.force_login(make_user())
    response = client.post(
        reverse("forum:thread_new", args=[board.slug]),
        {"title": "Intrus", "body": "Bonjour", "submission_key": key()},
    )
    assert_refusal_page(response, "Vous ne pouvez pas écrire dans ce forum.")
    assert not Thread.objects.exists()


def test_an_edit_refused_by_the_forum_after_the_pages_check_gets_the_403_page(
    client, thread, bruno, monkeypatch
):
    monkeypatch.setattr("forum.views.posts.can_edit", lambda user, post: True)
    post = thread.posts.get(number=1)
    client.force_login(bruno)
    response = client.post(reverse("forum:post_edit", args=[post.pk]), {"body": "Piraté"})
    assert_refusal_page(response, "Vous ne pouvez pas modifier ce message.")
    post.refresh_from_db()
    assert post.body_markdown == "Premier message."


def test_a_form_error_stays_next_to_the_field_and_is_no_refusal(client, thread, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]), {"body": " \n ", "submission_key": key()}
    )
    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"] == ["Le message est vide."]


def test_the_api_answers_a_refusal_as_json(client, event, monkeypatch):
    def refuse(**kwargs):
        raise NotAllowed("Réservé aux personnes inscrites.")

    monkeypatch.setattr("forum.views.api.selectors.sessions_for_event", refuse)
    response = client.get("/api/sessions/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Réservé aux personnes inscrites."}


def test_under_asgi_a_sync_views_refusal_gets_the_403_page(thread):
    client = AsyncClient()
    client.force_login(make_user())
    response = async_to_sync(client.post)(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": "Bonjour", "submission_key": key()},
    )
    assert_refusal_page(response, "Vous ne pouvez pas écrire dans ce forum.")


@pytest.mark.urls(__name__)
def test_under_asgi_an_async_views_refusal_gets_the_403_page(event):
    response = async_to_sync(AsyncClient().get)("/essai/refus-async/")
    assert_refusal_page(response, "Refusé sans quitter la boucle.")


def test_the_middleware_stays_in_the_mode_of_the_chain_it_is_part_of():
    async def async_chain(request):
        return HttpResponse()

    def sync_chain(request):
        return HttpResponse()

    # An async chain awaits it directly: no hop to a thread and back.
    assert iscoroutinefunction(DomainRefusalMiddleware(async_chain))
    assert not iscoroutinefunction(DomainRefusalMiddleware(sync_chain))
