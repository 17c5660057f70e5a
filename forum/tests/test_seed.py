"""Loading the Intercoop 2007 programme (`intercoop seed`): complete, idempotent, and
respectful of what organisers change at run time."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.contrib.sites.models import Site

from forum.errors import SeedError
from forum.models import (
    Board,
    Event,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireState,
    SegmentKind,
    Session,
    SessionSegment,
    SessionState,
)
from forum.seed.loader import DEFAULT_PROGRAMME, programme_load

pytestmark = pytest.mark.django_db

TITLES = {
    1: "Management par projet et travail collaboratif : où en est-on aujourd'hui dans nos "
    "collectivités, services publics et associations ?",
    2: "Pratiques collaboratives à l'heure du web 2.0 : quelle mutation du rôle et de la "
    "place des collectivités, services publics et associations ?",
    3: "Coopérations d'hier et d'aujourd'hui, mutualisation d'outils et de méthodes entre "
    "réseaux coopératifs",
}
QUESTIONS = (
    "Comment prendre en compte les possibilités nouvelles de travail collaboratif sur un projet ?",
    "Comment articuler l'implication de personnes expertes avec celle des professionnels "
    "d'un domaine ?",
    "Comment animer ses relations directes avec les usagers, les adhérents ?",
)


def _rows() -> dict[str, list[int]]:
    return {
        "events": sorted(Event.objects.values_list("pk", flat=True)),
        "sessions": sorted(Session.objects.values_list("pk", flat=True)),
        "segments": sorted(SessionSegment.objects.values_list("pk", flat=True)),
    }


QUESTIONNAIRE_HEAD = (
    '[event]\nslug = "e"\nname = "E"\nstarts_on = 2007-07-04\nends_on = 2007-07-06\n'
    '[[sessions]]\nnumber = 1\nslug = "s"\ndate = 2007-07-04\ntitle = "T"\n'
    '[sessions.questionnaire]\ntitle_fr = "Questionnaire"\n'
)


@pytest.fixture
def programme_file(tmp_path) -> Path:
    """A copy of the real programme that a test may edit."""
    path = tmp_path / "programme.toml"
    path.write_text(DEFAULT_PROGRAMME.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_the_programme_creates_one_event_with_three_dated_sessions():
    counts = programme_load()

    event = Event.objects.get()
    assert event.slug == "intercoop-2007"
    assert event.name.startswith("Intercoop 2007")
    assert (event.starts_on, event.ends_on) == (
        datetime.date(2007, 7, 4),
        datetime.date(2007, 7, 6),
    )
    sessions = list(event.sessions.order_by("number"))
    assert [(s.number, s.date, s.title) for s in sessions] == [
        (1, datetime.date(2007, 7, 4), TITLES[1]),
        (2, datetime.date(2007, 7, 5), TITLES[2]),
        (3, datetime.date(2007, 7, 6), TITLES[3]),
    ]
    assert [s.slug for s in sessions] == [
        "travail-collaboratif",
        "pratiques-web2",
        "reseaux-cooperatifs",
    ]
    # 1 event, 3 sessions, 4 segments, 3 session boards and the general board; session
    # 1's questionnaire with its 12 questions and their 24 options.
    assert counts == {"created": 1 + 3 + 4 + 3 + 1 + (1 + 12 + 24), "updated": 0}


def test_each_session_gets_its_board_and_the_event_a_general_board():
    programme_load()
    boards = {board.slug: board for board in Board.objects.select_related("session")}
    assert set(boards) == {
        "general",
        "travail-collaboratif",
        "pratiques-web2",
        "reseaux-cooperatifs",
    }
    assert boards["general"].session is None
    assert boards["travail-collaboratif"].session.number == 1
    assert boards["general"].title == "Forum général"


def test_session_one_is_facilitated_by_jean_michel_cornu_with_questionnaire_and_testimony():
    programme_load()
    session = Session.objects.get(number=1)
    assert session.facilitators == "Jean-Michel Cornu"
    assert [segment.kind for segment in session.segments.order_by("order")] == [
        SegmentKind.QUESTIONNAIRE,
        SegmentKind.TESTIMONY,
    ]


def test_session_one_gets_a_draft_questionnaire_on_the_programmes_themes():
    programme_load()
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.session.number == 1
    # A draft: the facilitator edits it and opens it; participants do not see it yet.
    assert questionnaire.state == QuestionnaireState.DRAFT
    assert questionnaire.is_anonymous and not questionnaire.anonymity_locked
    questions = list(questionnaire.questions.order_by("order"))
    assert 8 <= len(questions) <= 12
    assert [q.order for q in questions] == list(range(1, len(questions) + 1))
    assert {q.kind for q in questions} == set(QuestionKind.values)
    for question in questions:
        assert question.text_fr and question.text_en
        if question.has_choices:
            labels = list(question.choices.values_list("label_fr", "label_en"))
            assert len(labels) >= 2 and all(fr and en for fr, en in labels)
        if question.kind == QuestionKind.SCALE:
            assert question.scale_low_fr and question.scale_high_en
    wording = " ".join(q.text_fr for q in questions)
    for theme in ("groupe", "désimpliquer", "non-dit", "« nous »", "reconnu au-dehors", "amateurs"):
        assert theme in wording


def test_the_questionnaire_is_the_facilitators_once_loaded(programme_file):
    programme_load(path=programme_file)
    questionnaire = Questionnaire.objects.get()
    first, second = questionnaire.questions.order_by("order")[:2]
    Question.objects.filter(pk=first.pk).update(text_fr="Une question réécrite")
    second.delete()

    assert programme_load(path=programme_file) == {"created": 0, "updated": 0}
    assert Question.objects.get(pk=first.pk).text_fr == "Une question réécrite"
    assert not Question.objects.filter(pk=second.pk).exists()
    assert Questionnaire.objects.count() == 1


def test_session_three_has_two_parts():
    programme_load()
    parts = Session.objects.get(number=3).segments.order_by("order")
    assert [segment.kind for segment in parts] == [SegmentKind.PART, SegmentKind.PART]
    assert parts[0].title.startswith("Premier temps")
    assert parts[1].title.startswith("Second temps")


def test_the_presentation_asks_the_three_questions():
    programme_load()
    presentation = " ".join(Event.objects.get().presentation.split())
    for question in QUESTIONS:
        assert question in presentation


def test_loading_twice_changes_nothing():
    programme_load()
    before = _rows()

    assert programme_load() == {"created": 0, "updated": 0}
    assert _rows() == before
    assert (Event.objects.count(), Session.objects.count(), SessionSegment.objects.count()) == (
        1,
        3,
        4,
    )


def test_an_organisers_run_time_choices_survive_a_new_load():
    programme_load()
    Event.objects.update(registration_open=False)
    Session.objects.filter(number=2).update(state=SessionState.LIVE, is_private=True)

    assert programme_load() == {"created": 0, "updated": 0}

    assert Event.objects.get().registration_open is False
    session = Session.objects.get(number=2)
    assert (session.state, session.is_private) == (SessionState.LIVE, True)


def test_a_text_edited_in_the_file_is_updated_in_place(programme_file):
    programme_load(path=programme_file)
    before = _rows()
    text = programme_file.read_text(encoding="utf-8")
    programme_file.write_text(
        text.replace(
            'subtitle = "Quand les consommateurs',
            'subtitle = "Lorsque les consommateurs',
        ),
        encoding="utf-8",
    )

    assert programme_load(path=programme_file) == {"created": 0, "updated": 1}
    assert Session.objects.get(number=2).subtitle.startswith("Lorsque les consommateurs")
    assert _rows() == before


def test_a_session_added_to_the_file_is_created(programme_file):
    programme_load(path=programme_file)
    with programme_file.open("a", encoding="utf-8") as file:
        file.write(
            '\n[[sessions]]\nnumber = 4\nslug = "bilan"\ndate = 2007-07-06\n'
            'title = "Bilan et suites"\n'
        )
    # The session and its board.
    assert programme_load(path=programme_file) == {"created": 2, "updated": 0}
    assert Board.objects.get(slug="bilan").session.slug == "bilan"
    assert Session.objects.get(slug="bilan").event == Event.objects.get()


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ('[event\nname = "x"', "cannot read"),
        ('title = "no event table"\n', "event"),
        (
            '[event]\nname = "Sans identifiant"\nstarts_on = 2007-07-04\nends_on = 2007-07-06\n',
            "slug",
        ),
        (
            '[event]\nslug = "e"\nname = "E"\nstarts_on = 2007-07-04\nends_on = 2007-07-06\n'
            '[[sessions]]\nnumber = 1\nslug = "s"\ntitle = "Sans date"\n',
            "date",
        ),
        (
            '[event]\nslug = "e"\nname = "E"\nstarts_on = 2007-07-04\nends_on = 2007-07-06\n'
            '[[sessions]]\nnumber = 1\nslug = "s"\ndate = "le 4 juillet"\ntitle = "T"\n',
            "date",
        ),
        (
            '[event]\nslug = "e"\nname = "E"\nstarts_on = 2007-07-04\nends_on = 2007-07-06\n'
            '[[sessions]]\nnumber = 1\nslug = "s"\ndate = 2007-07-04\ntitle = "T"\n'
            '[[sessions.segments]]\norder = 1\nkind = "atelier"\ntitle = "Un atelier"\n',
            "kind",
        ),
        (
            '[event]\nslug = "e"\nname = "E"\nstarts_on = 2007-07-04\nends_on = 2007-07-06\n'
            'timezone = "Europe/Atlantide"\n',
            "timezone",
        ),
        (
            'sessions = 3\n[event]\nslug = "e"\nname = "E"\nstarts_on = 2007-07-04\n'
            "ends_on = 2007-07-06\n",
            "sessions",
        ),
        (
            QUESTIONNAIRE_HEAD + "questions = []\n",
            "questionnaire.questions",
        ),
        (
            QUESTIONNAIRE_HEAD + '[[sessions.questionnaire.questions]]\nkind = "essay"\n'
            'text_fr = "Q"\n',
            "kind",
        ),
        (
            QUESTIONNAIRE_HEAD + '[[sessions.questionnaire.questions]]\nkind = "single"\n'
            'text_fr = "Q"\nchoices = [["seule", "only"]]\n',
            "two choices",
        ),
        (
            QUESTIONNAIRE_HEAD + '[[sessions.questionnaire.questions]]\nkind = "scale"\n'
            'text_fr = "Q"\nscale_low = "jamais"\n',
            "scale_low",
        ),
    ],
    ids=[
        "toml-syntax",
        "no-event",
        "event-without-slug",
        "session-without-date",
        "date-not-a-date",
        "unknown-segment-kind",
        "unknown-timezone",
        "sessions-not-tables",
        "questionnaire-without-questions",
        "unknown-question-kind",
        "one-choice",
        "scale-end-not-a-pair",
    ],
)
def test_a_malformed_file_raises_seed_error_and_writes_nothing(tmp_path, content, complaint):
    path = tmp_path / "broken.toml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(SeedError, match=complaint):
        programme_load(path=path)
    assert _rows() == {"events": [], "sessions": [], "segments": []}


def test_a_missing_file_raises_seed_error(tmp_path):
    with pytest.raises(SeedError, match="cannot read"):
        programme_load(path=tmp_path / "absent.toml")


def test_the_site_is_named_intercoop(settings):
    settings.INTERCOOP_SITE_URL = "https://forum.intercoop.info"
    programme_load()
    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.name, site.domain) == ("Intercoop", "forum.intercoop.info")
