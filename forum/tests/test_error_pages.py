"""The pages a reader gets when something goes wrong, and what they typed survives."""

from __future__ import annotations

import re
import uuid
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from forum.drafts import ACCEPTED_COOKIE
from forum.tests.board_factories import make_thread
from forum.tests.reading import elements, page_text


@pytest.fixture
def thread(board, alice):
    return make_thread(board, author=alice, title="Les outils partagés", body="Premier message.")


def _reply(client, thread, body: str, **extra):
    return client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {"body": body, "submission_key": uuid.uuid4().hex},
        **extra,
    )


# A form whose token is no longer the session's.


def test_a_post_with_a_stale_token_gets_the_branded_page_saying_the_text_is_kept(thread, bruno):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bruno)
    page = client.get(thread.get_absolute_url())
    response = _reply(
        client, thread, "Ma réponse.", HTTP_REFERER="http://testserver" + page.wsgi_request.path
    )
    assert response.status_code == 403
    text = page_text(response)
    assert "Formulaire expiré" in text
    assert "vous êtes peut-être déconnecté ou reconnecté dans un autre onglet" in text
    assert "Votre texte n'est pas perdu" in text
    assert "DEBUG" not in response.content.decode()
    back = [attrs["href"] for tag, attrs in elements(response) if tag == "a"]
    assert f"http://testserver{thread.get_absolute_url()}" in back
    assert not thread.posts.filter(number=2).exists()


def test_the_stale_token_page_links_back_only_to_this_site(thread, bruno):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bruno)
    response = _reply(client, thread, "Ma réponse.", HTTP_REFERER="https://evil.example/x")
    assert response.status_code == 403
    hrefs = [attrs.get("href", "") for tag, attrs in elements(response) if tag == "a"]
    assert not any("evil.example" in href for href in hrefs)


def test_the_stale_token_page_in_english(thread, bruno):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bruno)
    response = _reply(client, thread, "My reply.")
    assert response.status_code == 403
    text = page_text(response)
    assert "Form expired" in text
    assert "Your text is not lost" in text


# A bug.


@pytest.mark.urls("forum.tests.failing_urls")
@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Erreur du serveur"), ("en", "Server error")]
)
def test_a_server_error_gets_the_branded_page(db, language, title):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert title in page_text(response)
    assert f'<html lang="{language}">' in response.content.decode()
    assert "Traceback" not in response.content.decode()


# Drafts: kept by the browser until the post is accepted (static/js/drafts.js).


def test_every_compose_box_keeps_a_draft(client, thread, bruno):
    client.force_login(bruno)
    post = thread.posts.get(number=1)
    pages = {
        "reply": client.get(thread.get_absolute_url()),
        "new thread": client.get(reverse("forum:thread_new", args=[thread.board.slug])),
    }
    client.force_login(thread.posts.get(number=1).author)
    pages["edit"] = client.get(reverse("forum:post_edit", args=[post.pk]))
    for name, response in pages.items():
        forms = [
            attrs for tag, attrs in elements(response) if tag == "form" and "data-draft" in attrs
        ]
        assert len(forms) == 1, name
        scripts = [attrs.get("src", "") for tag, attrs in elements(response) if tag == "script"]
        assert any(src.endswith("js/drafts.js") for src in scripts), name


def test_an_accepted_reply_tells_the_browser_to_forget_its_draft(client, thread, bruno):
    client.force_login(bruno)
    response = _reply(client, thread, "Ma réponse.")
    assert response.status_code == 302
    cookie = response.cookies[ACCEPTED_COOKIE]
    assert unquote(cookie.value) == reverse("forum:post_reply", args=[thread.pk])
    assert cookie["path"] == "/"


def test_an_accepted_new_thread_tells_the_browser_to_forget_its_draft(client, board, bruno):
    client.force_login(bruno)
    url = reverse("forum:thread_new", args=[board.slug])
    response = client.post(
        url, {"title": "Un fil", "body": "Son texte.", "submission_key": uuid.uuid4().hex}
    )
    assert response.status_code == 302
    assert unquote(response.cookies[ACCEPTED_COOKIE].value) == url


def test_a_refused_reply_comes_back_with_its_text_and_a_token_and_keeps_the_draft(
    thread, bruno, organiser
):
    from forum import services

    client = Client(enforce_csrf_checks=True)
    client.force_login(bruno)
    page = client.get(thread.get_absolute_url())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    response = client.post(
        reverse("forum:post_reply", args=[thread.pk]),
        {
            "body": "Ce que j'ai écrit.",
            "submission_key": uuid.uuid4().hex,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 400
    assert ACCEPTED_COOKIE not in response.cookies
    boxes = [tag for tag, attrs in elements(response) if tag == "textarea"]
    assert boxes
    assert "Ce que j&#x27;ai écrit." in response.content.decode()
    assert 'name="csrfmiddlewaretoken" value="' in response.content.decode()
