"""The synthesis page rendered once for everyone who sees the same page
(forum.page_cache.shared_page): participants share one render, the facilitators
another; when it is due again one reader renders it while the others get the previous
one; each page carries its own request's CSRF token; access rules hold."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from forum.page_cache import SITE, synthesis_scope, versions
from forum.services.answers import questionnaire_submit
from forum.services.synthesis import synthesis_share
from forum.tests.board_factories import make_facilitator
from forum.tests.factories import make_user
from forum.tests.questionnaire_factories import good_answers
from forum.tests.reading import page_text
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu, participant  # noqa: F401
from forum.views.synthesis import STALE_SECONDS, blocks_key

pytestmark = pytest.mark.django_db

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def answered(sessions, cornu):  # noqa: F811
    questionnaire, questions, people = answered_questionnaire(sessions[1], cornu)
    synthesis_share(questionnaire=questionnaire, actor=cornu, shared=True)
    return questionnaire, questions, people


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _shared_key(slug: str, variant: str) -> str:
    """The cache key of the shared render of `variant` (French, no query)."""
    tokens = ":".join(versions([SITE, synthesis_scope(slug)]))
    return f"page-shared:{variant}:{tokens}:fr:{reverse('forum:synthesis', args=[slug])}"


def _age(slug: str, variant: str, seconds: float) -> None:
    """Make the stored render of `variant` `seconds` older."""
    key = _shared_key(slug, variant)
    rendered_at, fresh, content_type, body = cache.get(key)
    cache.set(key, (rendered_at - seconds, fresh, content_type, body), 60)


def _figures_due(questionnaire) -> None:
    """The figures the renders share (views.synthesis._blocks) are due again too."""
    with translation.override("fr"):
        key = blocks_key(questionnaire)
    read_at, blocks = cache.get(key)
    cache.set(key, (read_at - 60, blocks), 60)


def _responses(text: str) -> int:
    return int(re.search(r"(\d+) personnes ont répondu", text).group(1))


def test_participants_share_one_render_and_see_new_answers_when_one_renders_again(
    sessions, answered
):
    questionnaire, questions, people = answered
    late = participant(sessions[1])  # a new account changes every page: made first
    url = reverse("forum:synthesis", args=[sessions[1].slug])
    first, second = _client(people[0]), _client(people[1])
    assert first.get(url)["X-Page-Cache"] == "miss"  # each reader's first page: access checked
    assert second.get(url)["X-Page-Cache"] == "miss"
    assert first.get(url)["X-Page-Cache"] == "hit"
    assert second.get(url)["X-Page-Cache"] == "hit"

    questionnaire_submit(
        questionnaire=questionnaire,
        person=late,
        answers=good_answers(questions),
    )
    _age(sessions[1].slug, "reader", 60)  # due again
    _figures_due(questionnaire)
    renewed = second.get(url)
    assert renewed["X-Page-Cache"] == "miss" and _responses(page_text(renewed)) == 4
    # The other participant gets that render, without rendering it.
    again = first.get(url)
    assert again["X-Page-Cache"] == "hit" and _responses(page_text(again)) == 4


def test_while_one_reader_renders_it_again_the_others_get_the_previous_render(sessions, answered):
    questionnaire, questions, people = answered
    late = participant(sessions[1])  # a new account changes every page: made first
    url = reverse("forum:synthesis", args=[sessions[1].slug])
    reader = _client(people[0])
    reader.get(url)
    questionnaire_submit(
        questionnaire=questionnaire,
        person=late,
        answers=good_answers(questions),
    )
    _age(sessions[1].slug, "reader", STALE_SECONDS - 1.5)  # due, not too old to be shown
    _figures_due(questionnaire)
    key = _shared_key(sessions[1].slug, "reader")
    assert cache.add(f"{key}:rendering", 1, 60)  # another request renders it
    stale = reader.get(url)
    assert stale["X-Page-Cache"] == "hit" and _responses(page_text(stale)) == 3
    _age(sessions[1].slug, "reader", 2)  # now too old to be shown: rendered all the same
    fresh = reader.get(url)
    assert fresh["X-Page-Cache"] == "miss" and _responses(page_text(fresh)) == 4


def test_each_page_has_its_requests_own_csrf_token_and_the_facilitators_their_controls(
    sessions,
    cornu,  # noqa: F811
    answered,
):
    _questionnaire, _questions, people = answered
    url = reverse("forum:synthesis", args=[sessions[1].slug])
    other = make_facilitator(sessions[1], display_name="Autre animatrice")
    facilitators = [_client(cornu), _client(other)]
    participants = [_client(people[0]), _client(people[1])]
    for client in facilitators + participants:
        client.get(url)
    pages = {client: client.get(url) for client in facilitators + participants}
    assert all(page["X-Page-Cache"] == "hit" for page in pages.values())
    for client in facilitators:
        assert "Réserver la synthèse à l'animation" in page_text(pages[client])
    for client in participants:
        text = page_text(pages[client])
        assert "Réserver la synthèse à l'animation" not in text and "Projeter" not in text
    # The live script knows its reader (their own posts are not news to them).
    for client, page in pages.items():
        user_id = re.search(r'data-live-user="(\d+)"', page.content.decode()).group(1)
        assert user_id == str(client.session["_auth_user_id"])
    tokens = [_CSRF.findall(page.content.decode()) for page in pages.values()]
    assert all(found for found in tokens[:2])  # the facilitators' forms
    assert "\x00" not in "".join(page.content.decode() for page in pages.values())
    # A token is the request's own: it works for its client's POST, as a fresh one does.
    cornu_client = facilitators[0]
    cornu_client.handler.enforce_csrf_checks = True
    token = _CSRF.findall(pages[cornu_client].content.decode())[0]
    shared = cornu_client.post(
        reverse("forum:synthesis_share", args=[sessions[1].slug]),
        {"shared": "0", "csrfmiddlewaretoken": token},
    )
    assert shared.status_code == 302


def test_closing_the_synthesis_to_participants_holds_for_readers_already_served(
    sessions,
    cornu,  # noqa: F811
    answered,
):
    questionnaire, _questions, people = answered
    url = reverse("forum:synthesis", args=[sessions[1].slug])
    reader = _client(people[0])
    assert reader.get(url).status_code == 200
    assert reader.get(url)["X-Page-Cache"] == "hit"
    # Someone not registered for the session is refused, a render being at hand or not.
    outsider = _client(make_user(display_name="Hors session"))
    assert outsider.get(url).status_code in (403, 404)
    assert outsider.get(url).status_code in (403, 404)
    synthesis_share(questionnaire=questionnaire, actor=cornu, shared=False)
    assert reader.get(url).status_code == 403
    assert _client(cornu).get(url).status_code == 200
    assert reader.get(url).status_code == 403  # the facilitator's render is not theirs
