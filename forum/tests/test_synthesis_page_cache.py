"""The synthesis page kept for its reader a few seconds (forum.page_cache): a reload
asks the database almost nothing, and what the facilitator changes shows at once."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from forum.services.answers import questionnaire_submit
from forum.services.synthesis import synthesis_share
from forum.tests.questionnaire_factories import good_answers
from forum.tests.reading import page_text
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu, participant  # noqa: F401
from forum.views.synthesis import CACHE_SECONDS, STALE_SECONDS, _blocks, blocks_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(sessions, cornu):  # noqa: F811
    return answered_questionnaire(sessions[1], cornu)


def _facilitator(cornu) -> Client:  # noqa: F811
    client = Client()
    client.force_login(cornu)
    return client


def test_a_reload_is_served_from_the_cache(sessions, cornu, answered):  # noqa: F811
    client = _facilitator(cornu)
    url = reverse("forum:synthesis", args=[sessions[1].slug])
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again["X-Page-Cache"] == "hit"
    assert len(queries.captured_queries) <= 3  # the session and the account
    assert page_text(again) == page_text(first)
    # The CSRF token of its forms is the request's own, not the stored page's.
    assert "\x00" not in again.content.decode()
    assert 'name="csrfmiddlewaretoken" value="' in again.content.decode()


def test_sharing_shows_at_once(sessions, cornu, answered):  # noqa: F811
    questionnaire, _questions, _people = answered
    client = _facilitator(cornu)
    url = reverse("forum:synthesis", args=[sessions[1].slug])
    assert "réservée à l'animation" in page_text(client.get(url))
    synthesis_share(questionnaire=questionnaire, actor=cornu, shared=True)
    after = client.get(url)
    assert after["X-Page-Cache"] == "miss"
    assert "ouverte aux participant·es" in page_text(after)


def test_new_answers_show_within_the_cache_time(sessions, cornu, answered):  # noqa: F811
    questionnaire, questions, _people = answered
    client = _facilitator(cornu)
    url = reverse("forum:synthesis", args=[sessions[1].slug])
    assert "3 personnes ont répondu" in page_text(client.get(url))
    questionnaire_submit(
        questionnaire=questionnaire,
        person=participant(sessions[1]),
        answers=good_answers(questions),
    )
    time.sleep(CACHE_SECONDS + 0.1)
    assert "4 personnes ont répondu" in page_text(client.get(url))


def test_filtered_texts_are_not_cached(sessions, cornu, answered):  # noqa: F811
    client = _facilitator(cornu)
    url = reverse("forum:synthesis", args=[sessions[1].slug]) + "?q=réunion"
    assert client.get(url).get("X-Page-Cache") is None
    assert client.get(url).get("X-Page-Cache") is None


def test_readers_arriving_together_share_one_reading_of_the_figures(sessions, cornu, answered):  # noqa: F811
    # The figures are due again and another request is reading them: the page shows
    # the previous ones (a few seconds old) instead of reading 1,000 answers too.
    questionnaire, questions, _people = answered
    with translation.override("fr"):
        key = blocks_key(questionnaire)
        figures, _results, _texts = _blocks(questionnaire)
        assert figures.responses == 3
        questionnaire_submit(
            questionnaire=questionnaire,
            person=participant(sessions[1]),
            answers=good_answers(questions),
        )
        read_at, blocks = cache.get(key)
        cache.set(key, (read_at - CACHE_SECONDS - 0.5, blocks), 60)
        assert cache.add(f"{key}:reading", 1, 60)  # someone else is reading
        assert _blocks(questionnaire)[0].responses == 3
        cache.delete(f"{key}:reading")
        assert _blocks(questionnaire)[0].responses == 4
        # Too old to be shown while another reads: read again all the same.
        read_at, blocks = cache.get(key)
        questionnaire_submit(
            questionnaire=questionnaire,
            person=participant(sessions[1]),
            answers=good_answers(questions),
        )
        cache.set(key, (read_at - STALE_SECONDS - 0.5, blocks), 60)
        assert cache.add(f"{key}:reading", 1, 60)
        assert _blocks(questionnaire)[0].responses == 5
