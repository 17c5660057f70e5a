"""The form page of a personal link, shared by those who open theirs with nothing typed
yet (forum/questionnaire_link_page.py): each sees their own link, draft key and CSRF
token in it, and anyone with something of their own on the page gets it whole."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from forum import questionnaire_link_page
from forum.questionnaire_tokens import link_token
from forum.services.answers import questionnaire_draft_save
from forum.tests.questionnaire_factories import good_answers
from forum.tests.reading import page_text

# Committed for real: the shared page is kept only when read outside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def link_of(questionnaire, person) -> tuple[str, str]:
    token = link_token(questionnaire_id=questionnaire.pk, user_id=person.pk)
    return token, reverse("forum:questionnaire_link", args=[token])


def without_csrf(content: bytes) -> bytes:
    return CSRF.sub(b'name="csrfmiddlewaretoken" value=""', content)


def test_each_person_sees_their_own_link_and_draft_key_in_the_shared_page(built, alice, bruno):
    questionnaire, _questions = built
    pages = {}
    for person in (alice, bruno, alice):
        token, link = link_of(questionnaire, person)
        response = Client().get(link)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'action="{link}"' in html
        assert f'data-draft-url="{reverse("forum:questionnaire_link_draft", args=[token])}"' in html
        assert f"?next={quote(link, safe='/')}" in html  # the sign-in link comes back here
        assert f'name="next" type="hidden" value="{link}"' in html  # and the language form
        assert f'data-storage-key="intercoop-questionnaire-{questionnaire.pk}-{person.pk}"' in html
        assert "tokenmark" not in html and "personmark" not in html
        pages.setdefault(person.pk, []).append(response)
    # The second opening is served the page kept: no template rendered for it.
    assert pages[alice.pk][0].templates and not pages[alice.pk][1].templates
    assert not pages[bruno.pk][0].templates


def test_the_shared_page_is_the_page_rendered_whole_but_for_the_csrf_tokens(
    built, alice, monkeypatch
):
    questionnaire, _questions = built
    _token, link = link_of(questionnaire, alice)
    shared = Client().get(link)
    monkeypatch.setattr(questionnaire_link_page, "shareable", lambda request: False)
    whole = Client().get(link)
    assert whole.templates  # rendered for this request
    assert without_csrf(shared.content) == without_csrf(whole.content)
    assert len(CSRF.findall(shared.content)) == 2  # the questionnaire's and the language's


def test_the_csrf_token_of_the_shared_page_is_the_visitors_own(built, alice):
    questionnaire, questions = built
    Client().get(link_of(questionnaire, alice)[1])  # someone else's visit made the page
    visitor = Client(enforce_csrf_checks=True)
    _token, link = link_of(questionnaire, alice)
    page = visitor.get(link)
    [csrf, _language_form] = CSRF.findall(page.content)
    data = {f"q{pk}": value for pk, value in good_answers(questions).items()}
    data["csrfmiddlewaretoken"] = csrf.decode()
    refused = Client(enforce_csrf_checks=True).post(link, data)
    assert refused.status_code == 403  # another browser, without the cookie
    sent = visitor.post(link, data)
    assert sent.status_code == 302


def test_a_person_with_a_draft_gets_their_own_page(built, alice, bruno):
    questionnaire, questions = built
    Client().get(link_of(questionnaire, bruno)[1])
    group = questions["group"]
    choice = group.choices.first()
    questionnaire_draft_save(
        questionnaire=questionnaire, person=alice, answers={group.pk: str(choice.pk)}
    )
    page = Client().get(link_of(questionnaire, alice)[1])
    assert page.templates
    assert re.search(rf'value="{choice.pk}"[^>]*checked', page.content.decode())


def test_a_signed_in_visitor_gets_the_page_with_their_menu(built, alice, bruno):
    questionnaire, _questions = built
    Client().get(link_of(questionnaire, bruno)[1])
    client = Client()
    client.force_login(alice)
    page = client.get(link_of(questionnaire, alice)[1])
    assert page.status_code == 200 and page.templates
    assert "Se déconnecter" in page_text(page)
