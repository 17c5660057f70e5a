"""The questionnaire on the site: the facilitator's builder, and the participant's form
from the session page or from a personal signed link, with its draft and its
confirmation page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from forum.models import (
    Anonymity,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireState,
    Respondent,
    Response,
)
from forum.questionnaire_tokens import link_token
from forum.services import questionnaires as building
from forum.services.answers import questionnaire_submit
from forum.tests.board_factories import make_participant
from forum.tests.factories import make_user
from forum.tests.questionnaire_factories import choice, good_answers, make_questionnaire
from forum.tests.reading import elements, page_text

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"forum:{name}", args=args)


def form_data(questions, **changes) -> dict:
    """The participant's form as a browser posts it."""
    return {f"q{pk}": value for pk, value in good_answers(questions, **changes).items()}


def link_of(questionnaire: Questionnaire, person) -> str:
    return url(
        "questionnaire_link", link_token(questionnaire_id=questionnaire.pk, user_id=person.pk)
    )


def links(response) -> list[str]:
    return [attrs.get("href") or "" for tag, attrs in elements(response) if tag == "a"]


# The builder.


def test_the_builder_is_for_facilitators_and_organisers(client, sessions, cornu, alice, organiser):
    build = url("questionnaire_build", sessions[1].slug)
    assert client.get(build).status_code == 302  # sign in first
    client.force_login(alice)
    response = client.get(build)
    assert response.status_code == 403
    assert "Seules l'animation et l'organisation" in page_text(response)
    assert client.post(build).status_code == 403
    assert not Questionnaire.objects.exclude(session=sessions[1]).exists()
    for builder in (cornu, organiser):
        client.force_login(builder)
        assert client.get(build).status_code == 200


def test_a_facilitator_creates_the_questionnaire_adds_questions_and_orders_them(
    client, sessions, cornu
):
    slug = sessions[1].slug
    Questionnaire.objects.filter(session=sessions[1]).delete()  # the programme's draft
    client.force_login(cornu)
    assert "Créer le questionnaire" in page_text(client.get(url("questionnaire_build", slug)))
    assert client.post(url("questionnaire_build", slug)).status_code == 302
    questionnaire = Questionnaire.objects.get(session=sessions[1])
    assert questionnaire.state == QuestionnaireState.DRAFT

    form = client.get(url("question_new", slug) + "?kind=single")
    assert 'value="single" selected' in form.content.decode()
    response = client.post(
        url("question_new", slug),
        {
            "kind": "single",
            "text_fr": "Qui décide dans votre groupe ?",
            "text_en": "Who decides in your group?",
            "required": "on",
            "choices_fr": "Tout le monde\nUne personne\n\n",
            "choices_en": "Everyone\nOne person",
        },
    )
    first = Question.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#question-{first.pk}")
    assert [(c.label_fr, c.label_en) for c in first.choices.all()] == [
        ("Tout le monde", "Everyone"),
        ("Une personne", "One person"),
    ]
    client.post(
        url("question_new", slug),
        {
            "kind": "scale",
            "text_fr": "Confiance ?",
            "scale_low_fr": "aucune",
            "scale_high_fr": "totale",
        },
    )
    second = Question.objects.get(kind=QuestionKind.SCALE)
    assert not second.required
    page = page_text(client.get(url("questionnaire_build", slug)))
    assert page.index("Qui décide") < page.index("Confiance ?")
    assert "1 = aucune · 5 = totale" in page

    client.post(url("question_move", slug, second.pk), {"direction": "up"})
    page = page_text(client.get(url("questionnaire_build", slug)))
    assert page.index("Confiance ?") < page.index("Qui décide")


def test_a_refused_question_shows_the_reason_and_keeps_what_was_typed(client, built, cornu):
    questionnaire, _questions = built
    client.force_login(cornu)
    response = client.post(
        url("question_new", questionnaire.session.slug),
        {"kind": "multiple", "text_fr": "Quels outils ?", "choices_fr": "Un seul"},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Une question à choix propose de 2 à 20 options." in text
    assert "Quels outils ?" in response.content.decode()


def test_editing_and_deleting_a_question(client, built, cornu):
    questionnaire, questions = built
    slug = questionnaire.session.slug
    client.force_login(cornu)
    story = questions["story"]
    edit = client.get(url("question_edit", slug, story.pk))
    assert "Racontez un non-dit" in edit.content.decode()
    client.post(
        url("question_edit", slug, story.pk),
        {
            "kind": "long_text",
            "text_fr": "Racontez un non-dit, en quelques lignes",
            "help_fr": "Sans nom.",
        },
    )
    story.refresh_from_db()
    assert (story.text_fr, story.help_fr) == (
        "Racontez un non-dit, en quelques lignes",
        "Sans nom.",
    )
    confirm = client.get(url("question_delete", slug, story.pk))
    assert "Supprimer la question" in page_text(confirm)
    client.post(url("question_delete", slug, story.pk))
    assert not Question.objects.filter(pk=story.pk).exists()
    # Another session's question is not found through this one.
    _other, other_questions = make_questionnaire(questionnaire.session.event.sessions.get(number=2))
    assert client.get(url("question_edit", slug, other_questions["name"].pk)).status_code == 404


def test_the_anonymity_is_shown_locked_once_someone_answered(client, built, cornu, alice):
    questionnaire, questions = built
    client.force_login(cornu)
    page = client.get(url("questionnaire_build", questionnaire.session.slug))
    assert "verrouillé" not in page_text(page)
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    page = client.get(url("questionnaire_build", questionnaire.session.slug))
    assert "verrouillé" in page_text(page)
    assert "Verrouillé : des réponses existent déjà" in page_text(page)
    radios = [a for tag, a in elements(page) if tag == "input" and a.get("name") == "anonymity"]
    assert radios and all("disabled" in a for a in radios)
    # A forged post changes nothing either (the service refuses, the field is disabled).
    client.post(
        url("questionnaire_settings", questionnaire.session.slug),
        {"title_fr": "Questionnaire", "anonymity": "named"},
    )
    questionnaire.refresh_from_db()
    assert questionnaire.anonymity == Anonymity.ANONYMOUS


def test_the_settings_take_dates_in_the_events_time_zone(client, built, cornu):
    questionnaire, _questions = built
    client.force_login(cornu)
    response = client.post(
        url("questionnaire_settings", questionnaire.session.slug),
        {
            "title_fr": "Avant la session",
            "title_en": "Before the session",
            "anonymity": "named",
            "opens_at": "2031-06-01T09:00",
            "closes_at": "2031-07-03T18:30",
        },
    )
    assert response.status_code == 302
    questionnaire.refresh_from_db()
    # 18:30 in Paris in July is 16:30 UTC.
    assert questionnaire.closes_at.isoformat() == "2031-07-03T16:30:00+00:00"
    assert (questionnaire.title_fr, questionnaire.anonymity) == ("Avant la session", "named")
    response = client.post(
        url("questionnaire_settings", questionnaire.session.slug),
        {
            "title_fr": "X",
            "anonymity": "named",
            "opens_at": "2031-07-04T09:00",
            "closes_at": "2031-07-03T18:30",
        },
    )
    assert response.status_code == 200
    assert "La clôture doit venir après l'ouverture." in page_text(response)


def test_opening_and_closing_from_the_builder(client, sessions, cornu):
    questionnaire, _questions = make_questionnaire(sessions[1], builder=cornu, opened=False)
    slug = sessions[1].slug
    client.force_login(cornu)
    client.post(url("questionnaire_open", slug))
    questionnaire.refresh_from_db()
    assert questionnaire.state == QuestionnaireState.OPEN
    client.post(url("questionnaire_close", slug))
    questionnaire.refresh_from_db()
    assert questionnaire.state == QuestionnaireState.CLOSED
    # Opening with a closing date past says why.
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        closes_at=timezone.now() - timedelta(days=1)
    )
    response = client.post(url("questionnaire_open", slug), follow=True)
    assert "La date de clôture est passée" in page_text(response)


def test_the_preview_shows_the_questions_as_a_participant_sees_them_and_records_nothing(
    client, built, cornu
):
    questionnaire, questions = built
    client.force_login(cornu)
    response = client.get(url("questionnaire_preview", questionnaire.session.slug))
    text = page_text(response)
    assert "Aperçu" in text
    for question in questions.values():
        assert question.text_fr in text
    assert "Une collectivité" in text and "jamais" in text and "toujours" in text
    inputs = [
        a
        for tag, a in elements(response)
        if tag in ("input", "textarea") and re.fullmatch(r"q\d+", a.get("name") or "")
    ]
    assert inputs and all("disabled" in a for a in inputs)
    assert "Envoyer mes réponses" not in text


# The participant's form, signed in.


def test_the_session_page_leads_participants_to_the_form_and_facilitators_to_the_builder(
    client, built, cornu, alice
):
    questionnaire, _questions = built
    session_url = questionnaire.session.get_absolute_url()
    client.force_login(alice)
    page = client.get(session_url)
    assert url("questionnaire_answer", questionnaire.session.slug) in links(page)
    assert url("questionnaire_build", questionnaire.session.slug) not in links(page)
    client.force_login(cornu)
    assert url("questionnaire_build", questionnaire.session.slug) in links(client.get(session_url))


def test_a_draft_questionnaire_is_not_shown_to_participants(client, sessions, cornu, alice):
    questionnaire, _questions = make_questionnaire(sessions[1], builder=cornu, opened=False)
    client.force_login(alice)
    assert url("questionnaire_answer", sessions[1].slug) not in links(
        client.get(sessions[1].get_absolute_url())
    )
    assert client.get(url("questionnaire_answer", sessions[1].slug)).status_code == 404


def test_a_person_not_registered_for_the_session_may_not_answer(client, built, event, sessions):
    questionnaire, questions = built
    client.force_login(make_participant(event, sessions=[sessions[2]]))
    response = client.get(url("questionnaire_answer", sessions[1].slug))
    assert response.status_code == 403
    response = client.post(url("questionnaire_answer", sessions[1].slug), form_data(questions))
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_answering_shows_what_was_recorded_and_the_answers_stay_editable(client, built, alice):
    questionnaire, questions = built
    slug = questionnaire.session.slug
    client.force_login(alice)
    page = client.get(url("questionnaire_answer", slug))
    text = page_text(page)
    assert "Questionnaire anonyme" in text
    assert "Dans quel groupe coopérez-vous ?" in text
    assert "300 caractères au plus." in text and "5000 caractères au plus." in text
    response = client.post(url("questionnaire_answer", slug), form_data(questions))
    assert response.status_code == 302 and response["Location"] == url("questionnaire_done", slug)
    done = page_text(client.get(response["Location"]))
    assert "Vos réponses sont enregistrées" in done
    for shown in ("Une association", "Une liste", "Un wiki", "4 sur 5", "Oui", "Les Colibris"):
        assert shown in done
    # Back to the form: what was sent is there to change.
    page = client.get(url("questionnaire_answer", slug)).content.decode()
    assert f'value="{choice(questions["group"], "Une association")}" checked' in page
    assert 'value="Les Colibris"' in page
    client.post(url("questionnaire_answer", slug), form_data(questions, trust="2"))
    assert "2 sur 5" in page_text(client.get(url("questionnaire_done", slug)))
    assert Response.objects.count() == 1


def test_two_tabs_sending_one_after_the_other_leave_the_second_tabs_answers(client, built, alice):
    questionnaire, questions = built
    slug = questionnaire.session.slug
    client.force_login(alice)
    client.get(url("questionnaire_answer", slug))  # the first tab
    client.get(url("questionnaire_answer", slug))  # the second tab
    client.post(url("questionnaire_answer", slug), form_data(questions, name="Premier onglet"))
    client.post(url("questionnaire_answer", slug), form_data(questions, name="Second onglet"))
    assert Response.objects.count() == 1 and Respondent.objects.count() == 1
    done = page_text(client.get(url("questionnaire_done", slug)))
    assert "Second onglet" in done and "Premier onglet" not in done


def test_wrong_answers_come_back_with_each_problem_beside_its_question_and_what_was_typed(
    client, built, alice
):
    questionnaire, questions = built
    client.force_login(alice)
    data = form_data(questions, trust="9", name="x" * 301, group="")
    response = client.post(url("questionnaire_answer", questionnaire.session.slug), data)
    assert response.status_code == 200
    text = page_text(response)
    assert "Certaines réponses sont à revoir : rien n'a été enregistré." in text
    assert "Cette question demande une réponse." in text
    assert "Choisissez un nombre de 1 à 5." in text
    assert "Votre réponse dépasse 300 caractères (elle en a 301)." in text
    assert "x" * 301 in response.content.decode()
    assert not Response.objects.exists()


def test_an_answer_to_a_question_deleted_meanwhile_is_ignored(client, built, cornu, alice):
    questionnaire, questions = built
    client.force_login(alice)
    data = form_data(questions)
    building.question_delete(question=questions["story"], actor=cornu)
    response = client.post(url("questionnaire_answer", questionnaire.session.slug), data)
    assert response.status_code == 302
    assert not Response.objects.get().answers.filter(text__startswith="Personne n'a osé").exists()


def test_the_draft_is_saved_as_the_person_types_and_counts_as_no_answer(client, built, alice):
    questionnaire, questions = built
    slug = questionnaire.session.slug
    client.force_login(alice)
    page = client.get(url("questionnaire_answer", slug))
    form = next(a for tag, a in elements(page) if tag == "form" and "data-questionnaire-draft" in a)
    assert form["data-draft-url"] == url("questionnaire_draft", slug)
    partial = {f"q{questions['story'].pk}": "Un début d'histoire", f"q{questions['trust'].pk}": "3"}
    response = client.post(form["data-draft-url"], partial)
    assert response.status_code == 200 and response.json() == {"saved": True}
    assert not Respondent.objects.exists()
    assert not Response.objects.get().submitted
    # The tab closed, the page opened again: the draft is in the form.
    page = client.get(url("questionnaire_answer", slug)).content.decode()
    assert "Un début d&#x27;histoire" in page
    assert client.get(url("questionnaire_draft", slug)).status_code == 405


def test_the_page_uses_no_inline_script_only_the_draft_script(client, built, alice):
    questionnaire, _questions = built
    client.force_login(alice)
    page = client.get(url("questionnaire_answer", questionnaire.session.slug))
    scripts = [a for tag, a in elements(page) if tag == "script"]
    assert scripts and all(a.get("src") for a in scripts)
    assert any(a["src"].endswith("js/questionnaire-draft.js") for a in scripts)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.content.decode())
    assert "no-store" in page["Cache-Control"]


def test_a_closed_named_questionnaire_shows_what_was_answered_without_a_form(
    client, sessions, cornu, alice
):
    questionnaire, questions = make_questionnaire(sessions[1], builder=cornu, anonymity="named")
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    client.force_login(alice)
    response = client.get(url("questionnaire_answer", questionnaire.session.slug))
    text = page_text(response)
    assert response.status_code == 200
    assert "Ce questionnaire est fermé" in text
    assert "Envoyer mes réponses" not in text
    response = client.post(
        url("questionnaire_answer", questionnaire.session.slug), form_data(questions, trust="1")
    )
    assert "Ce questionnaire est fermé" in page_text(response)
    assert Response.objects.get().answers.get(question=questions["trust"]).number == 4
    assert "Les Colibris" in text


def test_a_closed_anonymous_questionnaire_says_the_answers_count_but_are_sealed(
    client, built, cornu, alice
):
    questionnaire, questions = built
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    client.force_login(alice)
    text = page_text(client.get(url("questionnaire_answer", questionnaire.session.slug)))
    assert "Ce questionnaire est fermé" in text
    assert "plus personne ne peut les relier à vous, vous non plus" in text
    assert "Les Colibris" not in text


def test_a_form_sent_after_the_answers_were_sealed_records_nothing_and_says_why(
    client, built, cornu, alice
):
    questionnaire, questions = built
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    building.questionnaire_open(questionnaire=questionnaire, actor=cornu)
    client.force_login(alice)
    response = client.post(
        url("questionnaire_answer", questionnaire.session.slug), form_data(questions, trust="1")
    )
    assert response.status_code == 200
    assert "plus personne ne peut les relier à vous, vous non plus" in page_text(response)
    assert Response.objects.count() == 1
    assert not Response.objects.get().answers.filter(number=1).exists()


def test_the_form_is_in_english_for_a_reader_in_english(client, built, alice):
    questionnaire, _questions = built
    client.force_login(alice)
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        response = client.get(
            url("questionnaire_answer", questionnaire.session.slug), HTTP_ACCEPT_LANGUAGE="en"
        )
    text = page_text(response)
    assert "In which group do you cooperate?" in text
    assert "An association" in text and "never" in text
    assert "Send my answers" in text
    # Text written only in French is shown in French.
    assert "Le nom du groupe" in text


# The personal link.


def test_the_personal_link_opens_the_form_without_signing_in(client, built, alice):
    questionnaire, questions = built
    link = link_of(questionnaire, alice)
    page = client.get(link)
    assert page.status_code == 200
    assert "Dans quel groupe coopérez-vous ?" in page_text(page)
    response = client.post(link, form_data(questions))
    assert response.status_code == 302
    done = client.get(response["Location"])
    assert "Vos réponses sont enregistrées" in page_text(done)
    assert Respondent.objects.get().user == alice
    # The draft endpoint of the link works the same way.
    draft = client.post(link + "brouillon/", {f"q{questions['trust'].pk}": "1"})
    assert draft.json() == {"saved": True}


def test_a_forged_link_gets_a_clear_page_and_403(client, built, alice, bruno):
    questionnaire, _questions = built
    genuine = link_token(questionnaire_id=questionnaire.pk, user_id=alice.pk)
    value, _sep, signature = genuine.partition(":")
    forged = [
        f"{questionnaire.pk}.{bruno.pk}:{genuine.split(':', 1)[1]}",  # another person
        genuine[:-3] + "abc",
        "n'importe-quoi",
        value,
    ]
    for token in forged:
        response = client.get(url("questionnaire_link", token))
        assert response.status_code == 403, token
        assert "Ce lien n'est pas valable" in page_text(response)
        assert client.post(url("questionnaire_link", token), {}).status_code == 403
        assert client.post(url("questionnaire_link_draft", token), {}).status_code == 403
    assert not Response.objects.exists()


def test_a_link_expires_when_the_questionnaire_closes(client, built, cornu, alice):
    questionnaire, questions = built
    link = link_of(questionnaire, alice)
    building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    response = client.get(link)
    assert response.status_code == 403
    assert "Ce lien a expiré" in page_text(response)
    assert client.post(link, form_data(questions)).status_code == 403
    assert not Response.objects.exists()


def test_a_link_expires_at_the_closing_time_and_revives_if_it_is_moved_later(
    client, built, cornu, alice
):
    questionnaire, _questions = built
    link = link_of(questionnaire, alice)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    assert "Ce lien a expiré" in page_text(client.get(link))
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        closes_at=timezone.now() + timedelta(days=1)
    )
    assert client.get(link).status_code == 200


def test_a_link_too_old_is_expired(client, built, alice, monkeypatch):
    questionnaire, _questions = built
    link = link_of(questionnaire, alice)
    monkeypatch.setattr("forum.questionnaire_tokens.LINK_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 403 and "Ce lien a expiré" in page_text(response)


def test_a_link_of_someone_no_longer_registered_is_refused(client, built, event):
    questionnaire, _questions = built
    person = make_user()
    link = link_of(questionnaire, person)
    response = client.get(link)
    assert response.status_code == 403
    assert "Vous n'êtes plus inscrit·e à cette session" in page_text(response)


def test_the_introduction_is_markdown_flowing_over_the_lines_of_the_file(client, sessions, alice):
    questionnaire = Questionnaire.objects.get(session=sessions[1])  # the programme's draft
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        state=QuestionnaireState.OPEN, closes_at=timezone.now() + timedelta(days=3)
    )
    client.force_login(alice)
    page = client.get(url("questionnaire_answer", sessions[1].slug)).content.decode()
    # One paragraph, its lines flowing as the file wrapped them.
    assert "<p>Pensez à un groupe que vous connaissez bien : une association, un service," in page
    assert "un réseau,\nun projet. Répondez en pensant à lui." in page
    assert "Le groupe auquel vous pensez est plutôt…" in page


def test_the_builder_says_when_an_open_questionnaire_takes_answers(client, built, cornu):
    questionnaire, _questions = built
    client.force_login(cornu)
    build = url("questionnaire_build", questionnaire.session.slug)
    assert "reçoit des réponses jusqu'au" in page_text(client.get(build))
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        opens_at=timezone.now() + timedelta(days=1)
    )
    assert "ne reçoit pas de réponses en ce moment : ouverture le" in page_text(client.get(build))
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        opens_at=None, closes_at=timezone.now() - timedelta(minutes=1)
    )
    assert "ne reçoit plus de réponses : la clôture était le" in page_text(client.get(build))
