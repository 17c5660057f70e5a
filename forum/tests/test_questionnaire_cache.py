"""The questions and the blank form, kept in the cache per version of the questionnaire
(forum/questionnaire_cache.py): what participants see and what their answers are
checked against follow every change the builder makes, at once."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from config.testing import cache_fails
from forum import page_cache, questionnaire_cache
from forum.models import Questionnaire, Response
from forum.questionnaire_tokens import link_token
from forum.selectors.questionnaires import questions_of
from forum.services import questionnaires as building
from forum.services.questionnaires import QuestionFields
from forum.tests.questionnaire_factories import QUESTIONS, choice, good_answers
from forum.tests.reading import page_text

# Committed for real: the cache keeps only what was read outside a transaction (and
# each test of the others runs in one).
pytestmark = pytest.mark.django_db(transaction=True)


def link_of(questionnaire, person) -> str:
    token = link_token(questionnaire_id=questionnaire.pk, user_id=person.pk)
    return reverse("forum:questionnaire_link", args=[token])


def form_data(questions, **changes) -> dict:
    return {f"q{pk}": value for pk, value in good_answers(questions, **changes).items()}


def edited(fields: QuestionFields, **changes) -> QuestionFields:
    return dataclasses.replace(fields, **changes)


def test_the_form_shows_each_change_of_the_builder_at_once(client, built, cornu, alice):
    questionnaire, questions = built
    link = link_of(questionnaire, alice)
    assert "Dans quel groupe coopérez-vous ?" in page_text(client.get(link))
    building.question_edit(
        question=questions["group"],
        actor=cornu,
        fields=edited(
            QUESTIONS["group"],
            text_fr="Dans quel collectif coopérez-vous ?",
            choices=[("Une association", ""), ("Une coopérative", "")],
        ),
    )
    text = page_text(client.get(link))
    assert "Dans quel collectif coopérez-vous ?" in text
    assert "Une coopérative" in text and "Une collectivité" not in text
    building.question_move(question=questions["story"], actor=cornu, direction="up")
    text = page_text(client.get(link))
    assert text.index("Racontez un non-dit") < text.index("Le nom du groupe")
    building.question_delete(question=questions["trust"], actor=cornu)
    assert "Chacun·e ose-t-il dire son désaccord ?" not in page_text(client.get(link))
    building.question_add(
        questionnaire=questionnaire,
        actor=cornu,
        fields=QuestionFields(kind="yes_no", text_fr="Reviendrez-vous ?"),
    )
    assert "Reviendrez-vous ?" in page_text(client.get(link))


def test_the_blank_form_is_in_each_readers_language(client, built, alice, bruno):
    questionnaire, _questions = built
    french = page_text(client.get(link_of(questionnaire, alice)))
    english = page_text(client.get(link_of(questionnaire, bruno), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Dans quel groupe coopérez-vous ?" in french and "An association" not in french
    assert "In which group do you cooperate?" in english and "An association" in english
    assert "Dans quel groupe" not in english


def test_what_one_person_typed_never_shows_in_another_persons_form(client, built, alice, bruno):
    questionnaire, questions = built
    client.get(link_of(questionnaire, bruno))  # the blank form, rendered for Bruno first
    draft = reverse(
        "forum:questionnaire_link_draft",
        args=[link_token(questionnaire_id=questionnaire.pk, user_id=alice.pk)],
    )
    client.post(draft, form_data(questions, name="Le groupe d'Alice"))
    alice_page = client.get(link_of(questionnaire, alice)).content.decode()
    bruno_page = client.get(link_of(questionnaire, bruno)).content.decode()
    assert "Le groupe d&#x27;Alice" in alice_page
    assert "Alice" not in bruno_page and " checked" not in bruno_page


def test_answers_are_checked_against_the_questions_as_they_are_now(client, built, cornu, alice):
    questionnaire, questions = built
    link = link_of(questionnaire, alice)
    client.get(link)  # the questions read and kept
    building.question_add(
        questionnaire=questionnaire,
        actor=cornu,
        fields=QuestionFields(kind="yes_no", text_fr="Reviendrez-vous ?"),
    )
    response = client.post(link, form_data(questions))  # the form as it was shown
    assert response.status_code == 200
    assert "Cette question demande une réponse." in page_text(response)
    assert not Response.objects.exists()


def test_questions_read_inside_a_builders_transaction_are_not_kept(built, cornu):
    questionnaire, _questions = built
    count = len(questions_of(questionnaire=questionnaire))
    with pytest.raises(RuntimeError), transaction.atomic():
        building.question_add(
            questionnaire=questionnaire,
            actor=cornu,
            fields=QuestionFields(kind="yes_no", text_fr="Jamais enregistrée ?"),
        )
        assert len(questions_of(questionnaire=questionnaire)) == count + 1  # its own write
        raise RuntimeError("the builder's change is rolled back")
    assert [q.text_fr for q in questions_of(questionnaire=questionnaire)].count(
        "Jamais enregistrée ?"
    ) == 0
    assert len(questions_of(questionnaire=questionnaire)) == count


def test_the_form_is_answered_when_the_cache_does_not_answer(client, built, alice, monkeypatch):
    questionnaire, questions = built
    link = link_of(questionnaire, alice)
    cache_fails(monkeypatch, "get", "get_many", "set", "set_many", "add")
    page = client.get(link)
    assert page.status_code == 200 and "Dans quel groupe coopérez-vous ?" in page_text(page)
    response = client.post(link, form_data(questions))
    assert response.status_code == 302
    assert (
        Response.objects.get()
        .answers.filter(choice_id=choice(questions["group"], "Une association"))
        .exists()
    )


def test_the_cache_never_holds_the_questionnaires_seal(client, built, alice, bruno):
    """The seal, wiped at closing, must not outlive it in a copy (see
    forum/questionnaire_tokens.py): the cached questions and form hold none."""
    questionnaire, questions = built
    client.post(link_of(questionnaire, bruno), form_data(questions))  # locks the anonymity
    client.get(link_of(questionnaire, alice))
    [token] = page_cache.versions([questionnaire_cache.scope(questionnaire.pk)])
    prefix = f"questionnaire-cache:{questionnaire.pk}:{token}:"
    stored = cache.get_many([f"{prefix}questions", f"{prefix}blank-form:fr"])
    assert len(stored) == 2
    seal = Questionnaire.objects.get(pk=questionnaire.pk).seal
    assert seal and all(seal.encode() not in pickle.dumps(value) for value in stored.values())


def test_the_values_kept_by_the_process_never_hold_the_seal_either(client, built, alice, bruno):
    questionnaire, questions = built
    client.post(link_of(questionnaire, bruno), form_data(questions))
    for _ in range(2):  # the second read is served by what the process kept
        client.get(link_of(questionnaire, alice))
        assert all(
            q.questionnaire.pk == questionnaire.pk
            for q in questions_of(questionnaire=questionnaire)
        )
    [token] = page_cache.versions([questionnaire_cache.scope(questionnaire.pk)])
    prefix = f"questionnaire-cache:{questionnaire.pk}:{token}:"
    kept = {k: v for k, (v, _until) in questionnaire_cache._here.items() if k.startswith(prefix)}
    assert {f"{prefix}questions", f"{prefix}blank-form:fr"} <= set(kept)
    assert any(key.startswith(f"{prefix}link-page:fr:") for key in kept)
    seal = Questionnaire.objects.get(pk=questionnaire.pk).seal
    assert seal and all(seal.encode() not in pickle.dumps(value) for value in kept.values())


def test_a_value_kept_for_some_seconds_is_computed_again_after_them(built, monkeypatch):
    """The link's shared page is kept a minute or two, not the hour of the questions:
    neither the process nor the shared cache keeps it longer than its seconds."""
    import time

    questionnaire, _questions = built
    calls = []
    clock = [time.monotonic()]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def read():
        return questionnaire_cache.cached(
            questionnaire.pk, "brief", lambda: calls.append(1) or len(calls), seconds=60
        )

    assert (read(), read()) == (1, 1)
    [token] = page_cache.versions([questionnaire_cache.scope(questionnaire.pk)])
    stored = cache.make_key(f"questionnaire-cache:{questionnaire.pk}:{token}:brief")
    if hasattr(cache, "_expire_info"):  # the process's memory cache
        assert cache._expire_info[stored] - time.time() <= 60
    else:  # Redis
        assert 0 < cache._cache.get_client().ttl(stored) <= 60
    clock[0] += 59
    assert read() == 1
    clock[0] += 2
    cache.delete(f"questionnaire-cache:{questionnaire.pk}:{token}:brief")  # its 60 s too
    assert read() == 2
