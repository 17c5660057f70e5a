"""Building a questionnaire and answering it, through the services: who may, what is
checked (each refusal with its stable code), what is stored."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from forum import events
from forum.errors import AnswersInvalid, NotAllowed, QuestionnaireClosed, UserError
from forum.models import (
    Anonymity,
    Answer,
    Choice,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireState,
    Respondent,
    RespondentStatus,
    Response,
)
from forum.selectors.questionnaires import answers_of, questionnaire_counts
from forum.services import questionnaires as building
from forum.services.answers import (
    AnswersSealed,
    questionnaire_decline,
    questionnaire_draft_save,
    questionnaire_submit,
)
from forum.services.questionnaires import QuestionFields, QuestionnaireSettings
from forum.tests.board_factories import make_facilitator, make_participant
from forum.tests.questionnaire_factories import QUESTIONS, choice, good_answers, make_questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(sessions, cornu):
    return make_questionnaire(sessions[1], builder=cornu, anonymity=Anonymity.NAMED)


@pytest.fixture
def heard(monkeypatch):
    """The questionnaire_answered events published, as a subscriber hears them."""
    monkeypatch.setitem(events._registry, "questionnaire_answered", events._Subscribers())
    payloads = []
    events.subscribe("questionnaire_answered", lambda **payload: payloads.append(payload))
    return payloads


def settings_of(questionnaire, **changes) -> QuestionnaireSettings:
    values = {
        "title_fr": questionnaire.title_fr,
        "anonymity": questionnaire.anonymity,
        "closes_at": questionnaire.closes_at,
    }
    return QuestionnaireSettings(**{**values, **changes})


def codes(error: AnswersInvalid) -> dict[int, str]:
    return {problem.question_id: problem.code for problem in error.problems}


# Who builds.


def test_facilitators_and_organisers_build_participants_and_other_facilitators_do_not(
    sessions, event, organiser, alice
):
    Questionnaire.objects.filter(session=sessions[1]).delete()  # the programme's draft
    other_facilitator = make_facilitator(sessions[2])
    for refused in (alice, other_facilitator):
        with pytest.raises(NotAllowed) as refusal:
            building.questionnaire_create(session=sessions[1], actor=refused)
        assert refusal.value.code == "cannot_build_questionnaire"
    questionnaire = building.questionnaire_create(session=sessions[1], actor=organiser)
    assert questionnaire.state == QuestionnaireState.DRAFT
    # One per session: asking again gives the same.
    cornu = make_facilitator(sessions[1])
    assert building.questionnaire_create(session=sessions[1], actor=cornu) == questionnaire


def test_a_participant_cannot_add_a_question(built, alice):
    questionnaire, _questions = built
    with pytest.raises(NotAllowed):
        building.question_add(questionnaire=questionnaire, actor=alice, fields=QUESTIONS["name"])


# Questions.


def test_questions_are_numbered_in_the_order_they_were_added_with_their_options(built):
    questionnaire, questions = built
    assert list(questionnaire.questions.values_list("order", flat=True)) == [1, 2, 3, 4, 5, 6]
    group = questions["group"]
    assert [(c.order, c.label_fr, c.label_en) for c in group.choices.all()] == [
        (1, "Une association", "An association"),
        (2, "Une collectivité", "A local council"),
    ]
    trust = questions["trust"]
    assert (trust.scale_low_fr, trust.scale_high_en) == ("jamais", "always")
    assert not questions["name"].choices.exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (QuestionFields(kind="essay", text_fr="Q"), "kind"),
        (QuestionFields(kind=QuestionKind.SHORT_TEXT, text_fr="   "), "text_required"),
        (QuestionFields(kind=QuestionKind.SHORT_TEXT, text_fr="Q" * 501), "too_long"),
        (
            QuestionFields(kind=QuestionKind.SINGLE, text_fr="Q", choices=[("Seule", "")]),
            "choices_count",
        ),
        (
            QuestionFields(kind=QuestionKind.MULTIPLE, text_fr="Q", choices=[("A", ""), ("", "B")]),
            "choice_label",
        ),
        (
            QuestionFields(kind=QuestionKind.SINGLE, text_fr="Q", choices=[("A", ""), ("A", "")]),
            "choices_duplicate",
        ),
        (
            QuestionFields(
                kind=QuestionKind.SINGLE, text_fr="Q", choices=[(str(n), "") for n in range(21)]
            ),
            "choices_count",
        ),
    ],
    ids=[
        "kind",
        "no-text",
        "text-too-long",
        "one-option",
        "option-without-french",
        "same-option",
        "21-options",
    ],
)
def test_a_malformed_question_is_refused_with_its_code(built, cornu, fields, code):
    questionnaire, _questions = built
    with pytest.raises(UserError) as refusal:
        building.question_add(questionnaire=questionnaire, actor=cornu, fields=fields)
    assert refusal.value.code == code
    assert questionnaire.questions.count() == len(QUESTIONS)


def test_moving_a_question_up_and_down_swaps_it_with_its_neighbour(built, cornu):
    questionnaire, questions = built

    def order():
        return [q.pk for q in questionnaire.questions.order_by("order")]

    first, second = questions["group"].pk, questions["tools"].pk
    building.question_move(question=questions["tools"], actor=cornu, direction="up")
    assert order()[:2] == [second, first]
    building.question_move(question=questions["tools"], actor=cornu, direction="down")
    assert order()[:2] == [first, second]
    # Already first: stays first.
    building.question_move(question=questions["group"], actor=cornu, direction="up")
    assert order()[0] == first
    with pytest.raises(UserError) as refusal:
        building.question_move(question=questions["group"], actor=cornu, direction="sideways")
    assert refusal.value.code == "direction"


def test_deleting_a_question_renumbers_the_others(built, cornu):
    questionnaire, questions = built
    building.question_delete(question=questions["tools"], actor=cornu)
    assert list(questionnaire.questions.values_list("order", flat=True)) == [1, 2, 3, 4, 5]
    assert not Question.objects.filter(pk=questions["tools"].pk).exists()


def test_editing_options_keeps_those_answered_when_moved_or_corrected(built, cornu, alice):
    questionnaire, questions = built
    tools = questions["tools"]
    wiki = choice(tools, "Un wiki")
    listing = choice(tools, "Une liste")
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    edited = QuestionFields(
        kind=QuestionKind.MULTIPLE,
        text_fr=tools.text_fr,
        # The wiki moves first, "Une liste" is corrected, the forum goes, a blog comes.
        choices=[
            ("Un wiki", "A wiki"),
            ("Une liste de diffusion", "A mailing list"),
            ("Un blog", ""),
        ],
    )
    building.question_edit(question=tools, actor=cornu, fields=edited)
    options = list(tools.choices.order_by("order"))
    assert [(c.pk, c.label_fr) for c in options[:2]] == [
        (wiki, "Un wiki"),
        (listing, "Une liste de diffusion"),
    ]
    assert options[2].label_fr == "Un blog"
    assert Choice.objects.filter(question=tools).count() == 3
    # Alice's answers still point at the same two options.
    assert set(Answer.objects.filter(question=tools).values_list("choice_id", flat=True)) == {
        wiki,
        listing,
    }


def test_a_questions_kind_cannot_change_once_answered(built, cornu, alice):
    questionnaire, questions = built
    as_text = QuestionFields(kind=QuestionKind.SHORT_TEXT, text_fr="Dans quel groupe ?")
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    with pytest.raises(UserError) as refusal:
        building.question_edit(question=questions["group"], actor=cornu, fields=as_text)
    assert refusal.value.code == "kind_locked"
    # Unanswered (optional, left blank): it may.
    alice_answers = good_answers(questions, name="")
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=alice_answers)
    as_long = QuestionFields(kind=QuestionKind.LONG_TEXT, text_fr="Le nom du groupe, et pourquoi")
    building.question_edit(question=questions["name"], actor=cornu, fields=as_long)
    assert Question.objects.get(pk=questions["name"].pk).kind == QuestionKind.LONG_TEXT


# Settings, opening, closing.


def test_anonymity_changes_until_the_first_answer_even_a_draft_then_is_locked(
    sessions, cornu, alice
):
    questionnaire, questions = make_questionnaire(sessions[1], builder=cornu)
    building.questionnaire_settings_save(
        questionnaire=questionnaire,
        actor=cornu,
        settings=settings_of(questionnaire, anonymity="named"),
    )
    building.questionnaire_settings_save(
        questionnaire=questionnaire,
        actor=cornu,
        settings=settings_of(questionnaire, anonymity="anonymous"),
    )
    questionnaire_draft_save(
        questionnaire=questionnaire, person=alice, answers={questions["trust"].pk: "2"}
    )
    questionnaire.refresh_from_db()
    assert questionnaire.anonymity_locked
    with pytest.raises(UserError) as refusal:
        building.questionnaire_settings_save(
            questionnaire=questionnaire,
            actor=cornu,
            settings=settings_of(questionnaire, anonymity="named"),
        )
    assert refusal.value.code == "anonymity_locked"
    # Other settings still change.
    building.questionnaire_settings_save(
        questionnaire=questionnaire,
        actor=cornu,
        settings=settings_of(questionnaire, title_fr="Avant"),
    )
    questionnaire.refresh_from_db()
    assert (questionnaire.title_fr, questionnaire.anonymity) == ("Avant", Anonymity.ANONYMOUS)


def test_closing_must_come_after_opening(built, cornu):
    questionnaire, _questions = built
    now = timezone.now()
    with pytest.raises(UserError) as refusal:
        building.questionnaire_settings_save(
            questionnaire=questionnaire,
            actor=cornu,
            settings=settings_of(questionnaire, opens_at=now, closes_at=now - timedelta(hours=1)),
        )
    assert refusal.value.code == "dates_order"


def test_by_default_it_closes_when_the_session_starts(sessions, organiser):
    questionnaire = building.questionnaire_create(session=sessions[2], actor=organiser)
    closing = questionnaire.closing_time
    assert closing.date() == sessions[2].date
    assert str(closing.tzinfo) == "Europe/Paris"
    # The 2007 session started long ago: opening asks for a date to come.
    building.question_add(questionnaire=questionnaire, actor=organiser, fields=QUESTIONS["name"])
    with pytest.raises(UserError) as refusal:
        building.questionnaire_open(questionnaire=questionnaire, actor=organiser)
    assert refusal.value.code == "closes_in_past"


def test_an_empty_questionnaire_cannot_open(sessions, organiser):
    questionnaire = building.questionnaire_create(session=sessions[2], actor=organiser)
    with pytest.raises(UserError) as refusal:
        building.questionnaire_open(questionnaire=questionnaire, actor=organiser)
    assert refusal.value.code == "no_questions"


def test_closing_an_anonymous_questionnaire_wipes_its_seal_a_named_one_keeps_it(sessions, cornu):
    anonymous, _q = make_questionnaire(sessions[1], builder=cornu)
    named, _q = make_questionnaire(sessions[2], anonymity=Anonymity.NAMED)
    assert anonymous.seal
    building.questionnaire_close(questionnaire=anonymous, actor=cornu)
    anonymous.refresh_from_db()
    assert (anonymous.state, anonymous.seal) == (QuestionnaireState.CLOSED, "")
    organiser_of_2 = named.session.facilitator_users.get()
    building.questionnaire_close(questionnaire=named, actor=organiser_of_2)
    named.refresh_from_db()
    assert named.state == QuestionnaireState.CLOSED and named.seal


def test_questionnaires_past_their_closing_time_are_closed_by_the_periodic_task(built):
    questionnaire, _questions = built
    assert building.questionnaires_close_due() == 0
    later = timezone.now() + timedelta(days=8)
    assert building.questionnaires_close_due(now=later) == 1
    questionnaire.refresh_from_db()
    assert (questionnaire.state, questionnaire.seal) == (QuestionnaireState.CLOSED, "")


def test_a_closed_questionnaires_questions_do_not_change(built, cornu):
    questionnaire, questions = built
    building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    with pytest.raises(UserError) as refusal:
        building.question_delete(question=questions["name"], actor=cornu)
    assert refusal.value.code == "questionnaire_closed"


# Answering.


def test_a_submission_records_each_answer_and_marks_the_person_answered(
    built, alice, heard, django_capture_on_commit_callbacks
):
    questionnaire, questions = built
    with django_capture_on_commit_callbacks(execute=True):
        response = questionnaire_submit(
            questionnaire=questionnaire, person=alice, answers=good_answers(questions)
        )
    assert response.submitted and response.user is None and response.key
    rows = Answer.objects.filter(response=response)
    assert rows.filter(question=questions["tools"]).count() == 2
    assert rows.get(question=questions["trust"]).number == 4
    assert rows.get(question=questions["step_back"]).flag is True
    assert rows.get(question=questions["name"]).text == "Les Colibris"
    respondent = Respondent.objects.get(questionnaire=questionnaire, user=alice)
    assert respondent.status == RespondentStatus.ANSWERED and respondent.answered_at
    mine = answers_of(questionnaire=questionnaire, person=alice)
    assert mine.submitted and mine.values[str(questions["trust"].pk)] == "4"
    assert heard == [
        {"questionnaire_id": questionnaire.pk, "response_id": response.pk, "user_id": None}
    ]
    assert questionnaire_counts(questionnaire=questionnaire)["answered"] == 1


def test_a_named_response_names_its_person_and_so_does_its_event(
    named, alice, heard, django_capture_on_commit_callbacks
):
    questionnaire, questions = named
    with django_capture_on_commit_callbacks(execute=True):
        response = questionnaire_submit(
            questionnaire=questionnaire, person=alice, answers=good_answers(questions)
        )
    assert response.user == alice and response.key is None
    assert heard[0]["user_id"] == alice.pk


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("group", "", "required"),
        ("group", "999999", "unknown_choice"),
        ("group", "association", "unknown_choice"),
        ("group", ["1", "2"], "too_many"),
        ("tools", ["999999"], "unknown_choice"),
        ("trust", "6", "out_of_range"),
        ("trust", "0", "out_of_range"),
        ("trust", "beaucoup", "not_a_number"),
        ("step_back", "peut-être", "not_yes_no"),
        ("name", "x" * 301, "too_long"),
        ("story", "x" * 5001, "too_long"),
    ],
)
def test_an_unreadable_answer_is_refused_with_its_code_and_nothing_is_recorded(
    built, alice, name, value, code
):
    questionnaire, questions = built
    if name == "group" and value == ["1", "2"]:
        value = [str(c.pk) for c in questions["group"].choices.all()]
    with pytest.raises(AnswersInvalid) as refusal:
        questionnaire_submit(
            questionnaire=questionnaire,
            person=alice,
            answers=good_answers(questions, **{name: value}),
        )
    assert codes(refusal.value) == {questions[name].pk: code}
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not Respondent.objects.exists()


def test_every_problem_is_listed_at_once(built, alice):
    questionnaire, questions = built
    with pytest.raises(AnswersInvalid) as refusal:
        questionnaire_submit(questionnaire=questionnaire, person=alice, answers={})
    assert set(codes(refusal.value).values()) == {"required"}
    required = {q.pk for q in questions.values() if q.required}
    assert set(codes(refusal.value)) == required


def test_the_long_texts_limit_is_inclusive(built, alice):
    questionnaire, questions = built
    answers = good_answers(questions, name="x" * 300, story="y" * 5000)
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=answers)
    assert Answer.objects.get(question=questions["story"]).text == "y" * 5000


def test_the_last_submission_wins_and_stays_one_response(built, alice):
    """Two tabs: the second sent replaces the first, no second response."""
    questionnaire, questions = built
    first_tab = good_answers(
        questions, trust="2", tools=[str(choice(questions["tools"], "Un forum"))]
    )
    second_tab = good_answers(questions, trust="5", name="")
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=first_tab)
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=second_tab)
    assert Response.objects.count() == 1
    assert Respondent.objects.count() == 1
    answers = Answer.objects.filter(response=Response.objects.get())
    assert answers.get(question=questions["trust"]).number == 5
    assert set(
        answers.filter(question=questions["tools"]).values_list("choice__label_fr", flat=True)
    ) == {
        "Une liste",
        "Un wiki",
    }
    assert not answers.filter(question=questions["name"]).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("anonymity", [Anonymity.ANONYMOUS, Anonymity.NAMED])
def test_tabs_sending_at_the_same_moment_leave_one_response_with_one_tabs_answers(
    sessions, event, anonymity
):
    questionnaire, questions = make_questionnaire(sessions[1], anonymity=anonymity)
    person = make_participant(event)
    # Someone answered before: the anonymity is locked, the tabs do not queue on it.
    earlier = make_participant(event)
    questionnaire_submit(
        questionnaire=questionnaire, person=earlier, answers=good_answers(questions)
    )
    tabs = [good_answers(questions, trust=str(number)) for number in (1, 2, 3, 5)]
    barrier = threading.Barrier(len(tabs))
    failures = []

    def send(answers):
        try:
            barrier.wait(timeout=10)
            questionnaire_submit(questionnaire=questionnaire, person=person, answers=answers)
        except Exception as error:  # reported below, the test must see it
            failures.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=send, args=(answers,)) for answers in tabs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert Respondent.objects.count() == 2
    assert Response.objects.count() == 2
    response = Response.objects.exclude(answers__number=4).get()  # the earlier one said 4
    # One tab's answers whole, not a mix: one scale answer, two tools, one group.
    rows = response.answers.all()
    assert rows.filter(question=questions["trust"]).count() == 1
    assert rows.filter(question=questions["tools"]).count() == 2
    assert rows.count() == 7


def test_answers_to_a_deleted_question_are_ignored(built, cornu, alice):
    questionnaire, questions = built
    stale_form = good_answers(questions)
    building.question_delete(question=questions["story"], actor=cornu)
    response = questionnaire_submit(questionnaire=questionnaire, person=alice, answers=stale_form)
    answered = set(response.answers.values_list("question_id", flat=True))
    assert answered == {q.pk for name, q in questions.items() if name != "story"}


def test_only_those_registered_for_the_session_answer(built, event, sessions):
    questionnaire, questions = built
    elsewhere = make_participant(event, sessions=[sessions[2]])
    with pytest.raises(NotAllowed) as refusal:
        questionnaire_submit(
            questionnaire=questionnaire, person=elsewhere, answers=good_answers(questions)
        )
    assert refusal.value.code == "cannot_answer"


@pytest.mark.parametrize("when", ["draft", "closed", "before-opening", "after-closing"])
def test_no_answer_outside_the_open_dates(sessions, cornu, alice, when):
    questionnaire, questions = make_questionnaire(
        sessions[1], builder=cornu, opened=when != "draft"
    )
    now = timezone.now()
    if when == "closed":
        building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    if when == "before-opening":
        building.questionnaire_settings_save(
            questionnaire=questionnaire,
            actor=cornu,
            settings=settings_of(questionnaire, opens_at=now + timedelta(days=1)),
        )
    moment = now + timedelta(days=8) if when == "after-closing" else None
    with pytest.raises(QuestionnaireClosed):
        questionnaire_submit(
            questionnaire=questionnaire, person=alice, answers=good_answers(questions), now=moment
        )
    with pytest.raises(QuestionnaireClosed):
        questionnaire_draft_save(
            questionnaire=questionnaire, person=alice, answers=good_answers(questions), now=moment
        )


# Drafts.


def test_a_draft_keeps_partial_answers_and_counts_as_no_answer(built, alice):
    questionnaire, questions = built
    partial = {questions["trust"].pk: "9", questions["story"].pk: "Un début"}
    questionnaire_draft_save(questionnaire=questionnaire, person=alice, answers=partial)
    mine = answers_of(questionnaire=questionnaire, person=alice)
    assert not mine.submitted
    assert mine.draft == {str(questions["trust"].pk): "9", str(questions["story"].pk): "Un début"}
    assert not Respondent.objects.exists()
    assert questionnaire_counts(questionnaire=questionnaire)["answered"] == 0


def test_sending_clears_the_draft_and_a_later_draft_leaves_the_sent_answers(built, alice):
    questionnaire, questions = built
    questionnaire_draft_save(
        questionnaire=questionnaire, person=alice, answers={questions["trust"].pk: "1"}
    )
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    assert answers_of(questionnaire=questionnaire, person=alice).draft == {}
    # Typing again after sending: a draft beside what was sent.
    questionnaire_draft_save(
        questionnaire=questionnaire, person=alice, answers=good_answers(questions, trust="1")
    )
    mine = answers_of(questionnaire=questionnaire, person=alice)
    assert mine.values[str(questions["trust"].pk)] == "4"
    assert mine.draft[str(questions["trust"].pk)] == "1"
    # A draft that says what was sent is no draft (posted as the form was sent).
    questionnaire_draft_save(
        questionnaire=questionnaire, person=alice, answers=good_answers(questions)
    )
    assert answers_of(questionnaire=questionnaire, person=alice).draft == {}


def test_an_empty_draft_makes_no_row(built, alice):
    questionnaire, _questions = built
    questionnaire_draft_save(questionnaire=questionnaire, person=alice, answers={})
    assert not Response.objects.exists()


# Anonymous answers across closing and key rotation.


def test_anonymous_answers_are_sealed_when_closed_and_reopened(built, cornu, alice, bruno):
    questionnaire, questions = built
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    questionnaire = building.questionnaire_open(questionnaire=questionnaire, actor=cornu)
    assert answers_of(questionnaire=questionnaire, person=alice).sealed
    with pytest.raises(AnswersSealed):
        questionnaire_submit(
            questionnaire=questionnaire, person=alice, answers=good_answers(questions)
        )
    # Others answer as before, and Alice's first answers still count.
    questionnaire_submit(questionnaire=questionnaire, person=bruno, answers=good_answers(questions))
    assert Response.objects.filter(submitted=True).count() == 2


def test_a_named_questionnaire_reopened_lets_people_edit_again(named, cornu, alice):
    questionnaire, questions = named
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    building.questionnaire_open(questionnaire=questionnaire, actor=cornu)
    questionnaire_submit(
        questionnaire=questionnaire, person=alice, answers=good_answers(questions, trust="1")
    )
    assert Response.objects.count() == 1


def test_a_secret_key_rotation_keeps_anonymous_answers_editable(built, alice, settings):
    questionnaire, questions = built
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    old_key = Response.objects.get().key
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "une-toute-nouvelle-clef-secrete-" + "x" * 40
    assert answers_of(questionnaire=questionnaire, person=alice).submitted
    questionnaire_submit(
        questionnaire=questionnaire, person=alice, answers=good_answers(questions, trust="2")
    )
    response = Response.objects.get()
    assert response.key != old_key  # kept under the new secret from now on
    assert response.answers.get(question=questions["trust"]).number == 2


# Declining.


def test_declining_is_recorded_and_does_not_undo_an_answer(built, alice, bruno):
    questionnaire, questions = built
    assert questionnaire_decline(questionnaire=questionnaire, person=bruno).status == "declined"
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    assert questionnaire_decline(questionnaire=questionnaire, person=alice).status == "answered"
    # Bruno changes his mind.
    questionnaire_submit(questionnaire=questionnaire, person=bruno, answers=good_answers(questions))
    counts = questionnaire_counts(questionnaire=questionnaire)
    assert (counts["answered"], counts["declined"]) == (2, 0)


def test_the_time_of_the_first_answer_is_kept_and_an_answer_after_declining_has_its_own(
    built, alice, bruno
):
    questionnaire, questions = built
    questionnaire_submit(questionnaire=questionnaire, person=alice, answers=good_answers(questions))
    first = Respondent.objects.get(user=alice).answered_at
    questionnaire_submit(
        questionnaire=questionnaire, person=alice, answers=good_answers(questions, trust="1")
    )
    assert Respondent.objects.get(user=alice).answered_at == first
    questionnaire_decline(questionnaire=questionnaire, person=bruno)
    assert Respondent.objects.get(user=bruno).answered_at is None
    questionnaire_submit(questionnaire=questionnaire, person=bruno, answers=good_answers(questions))
    bruno_row = Respondent.objects.get(user=bruno)
    assert bruno_row.status == RespondentStatus.ANSWERED and bruno_row.answered_at >= first
    assert bruno_row.declined_at is not None
    assert Respondent.objects.filter(questionnaire=questionnaire).count() == 2


def test_beat_closes_the_questionnaires_due_every_five_minutes(sessions, cornu):
    from config.celery import app
    from forum.tasks import close_due_questionnaires

    entry = app.conf.beat_schedule["forum.close_due_questionnaires"]
    assert (entry["task"], entry["schedule"]) == ("forum.close_due_questionnaires", 300.0)
    questionnaire, _questions = make_questionnaire(sessions[1], builder=cornu)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    assert close_due_questionnaires.apply().get() == 1
    questionnaire.refresh_from_db()
    assert (questionnaire.state, questionnaire.seal) == (QuestionnaireState.CLOSED, "")


def test_a_closed_anonymous_questionnaires_settings_still_change(built, cornu):
    questionnaire, _questions = built
    building.questionnaire_close(questionnaire=questionnaire, actor=cornu)
    questionnaire.refresh_from_db()
    building.questionnaire_settings_save(
        questionnaire=questionnaire,
        actor=cornu,
        settings=settings_of(questionnaire, closes_at=timezone.now() + timedelta(days=30)),
    )
    questionnaire.refresh_from_db()
    assert questionnaire.seal == "" and questionnaire.state == QuestionnaireState.CLOSED
