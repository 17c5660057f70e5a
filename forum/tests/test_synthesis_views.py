"""The synthesis page and its exports: who may read them, what they show, and that an
anonymous questionnaire's never tell who answered what."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from odf.opendocument import load
from odf.table import TableCell, TableRow
from odf.text import P

from forum.models import Anonymity
from forum.services.synthesis import synthesis_project, synthesis_share
from forum.tests.board_factories import make_organiser, make_private
from forum.tests.factories import make_user
from forum.tests.reading import page_text
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(person=None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


@pytest.fixture
def answered(sessions, cornu):  # noqa: F811
    return answered_questionnaire(sessions[1], cornu)


def _url(session, name="forum:synthesis"):
    return reverse(name, args=[session.slug])


def test_the_facilitator_sees_rates_charts_and_texts(sessions, cornu, answered):  # noqa: F811
    response = _client(cornu).get(_url(sessions[1]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Synthèse du questionnaire" in text
    assert "50 % 3 personnes ont répondu sur 6 inscrites (1 ne répondront pas)" in text
    assert "Écoles coopératives 3 2 67 %" in text
    assert "Sans réseau 3 1 33 %" in text
    assert "moyenne 3,7 · médiane 4" in text
    body = response.content.decode()
    assert body.count('<svg class="chart"') == 4  # single, multiple, scale, yes/no
    assert '<th scope="row">Une association</th><td>2</td><td>67 %</td>' in body
    assert "Personne n'a osé dire que la réunion était trop longue." in text
    assert "<script>" not in body and " style=" not in body
    assert 'src="/static/js/live.js"' in body and "/ws/sessions/" in body


def test_the_page_in_english(sessions, cornu, answered):  # noqa: F811
    client = _client(cornu)
    response = client.get(_url(sessions[1]), HTTP_ACCEPT_LANGUAGE="en")
    text = page_text(response)
    assert "Questionnaire summary" in text
    assert "Does everyone dare disagree?" in text and "An association" in text
    assert "mean 3.7 · median 4" in text and "1 — never" in text


def test_free_texts_filter_by_question_and_words(sessions, cornu, answered):  # noqa: F811
    _questionnaire, questions, _people = answered
    response = _client(cornu).get(
        _url(sessions[1]), {"question": questions["story"].pk, "q": "RÉUNION"}
    )
    text = page_text(response)
    assert "Personne n'a osé dire" in text and "Les Colibris" not in text
    assert 'id="synthesis-texts"' not in response.content.decode()  # not replaced live
    garbage = _client(cornu).get(_url(sessions[1]), {"question": "x' OR 1=1", "q": "é" * 500})
    assert garbage.status_code == 200


def test_participants_read_it_once_the_facilitator_opens_it(sessions, cornu, answered):  # noqa: F811
    questionnaire, _questions, people = answered
    participant = people[0]
    assert _client(participant).get(_url(sessions[1])).status_code == 403
    assert "Synthèse du questionnaire" not in page_text(
        _client(participant).get(sessions[1].get_absolute_url())
    )
    _client(cornu).post(_url(sessions[1], "forum:synthesis_share"), {"shared": "1"})
    response = _client(participant).get(_url(sessions[1]))
    assert response.status_code == 200
    assert "Exporter" not in page_text(response)  # the facilitators' controls
    assert "Synthèse du questionnaire" in page_text(
        _client(participant).get(sessions[1].get_absolute_url())
    )
    # Still not the exports, nor sharing nor projecting.
    assert _client(participant).get(_url(sessions[1], "forum:synthesis_csv")).status_code == 403
    assert (
        _client(participant)
        .post(_url(sessions[1], "forum:synthesis_project"), {"question": ""})
        .status_code
        == 403
    )


def test_strangers_get_403_and_private_sessions_404(sessions, answered):
    stranger = make_user(display_name="Inconnue")
    assert _client(stranger).get(_url(sessions[1])).status_code == 403
    signed_out = _client().get(_url(sessions[1]))
    assert signed_out.status_code == 302 and "/accounts/login/" in signed_out["Location"]
    make_private(sessions[1])
    assert _client(stranger).get(_url(sessions[1])).status_code == 404
    assert _client(stranger).get(_url(sessions[1], "forum:synthesis_ods")).status_code == 404
    # A session without a questionnaire.
    assert _client(make_organiser(sessions[1].event)).get(_url(sessions[2])).status_code == 404


def _csv_rows(response) -> list[list[str]]:
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _ods_rows(response) -> list[list[str]]:
    document = load(io.BytesIO(response.content))
    rows = []
    for row in document.spreadsheet.getElementsByType(TableRow):
        rows.append(
            [
                "".join(str(p) for p in cell.getElementsByType(P))
                for cell in row.getElementsByType(TableCell)
            ]
        )
    return rows


def test_anonymous_exports_name_nobody_and_defuse_formulas(sessions, cornu, answered):  # noqa: F811
    _questionnaire, questions, people = answered
    client = _client(cornu)
    csv_response = client.get(_url(sessions[1], "forum:synthesis_csv"))
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv_rows(csv_response)
    assert rows[0][0] == "Dans quel groupe coopérez-vous ?" and len(rows) == 4
    cells = {cell for row in rows for cell in row}
    assert '\'=HYPERLINK("http://x")' in cells and '=HYPERLINK("http://x")' not in cells
    assert "Une liste ; Un wiki" in cells and "oui" in cells
    for person in people:
        assert not any(person.email in cell or "École" in cell for cell in cells)
    ods_response = client.get(_url(sessions[1], "forum:synthesis_ods"))
    assert ods_response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert _ods_rows(ods_response) == rows


def test_named_exports_name_each_person(sessions, cornu):  # noqa: F811
    answered_questionnaire(sessions[1], cornu, anonymity=Anonymity.NAMED)
    rows = _csv_rows(_client(cornu).get(_url(sessions[1], "forum:synthesis_csv")))
    assert rows[0][:2] == ["Nom affiché", "Courriel"]
    assert sorted(row[0] for row in rows[1:]) == ["Seul·e 0", "École 0", "École 1"]


def test_projecting_a_chart_on_the_live_page(sessions, cornu, answered):  # noqa: F811
    questionnaire, questions, people = answered
    live = reverse("realtime:session_live", args=[sessions[1].slug])
    assert 'id="session-projection"' in _client(people[0]).get(live).content.decode()
    assert "Projeté par l'animation" not in page_text(_client(people[0]).get(live))
    _client(cornu).post(
        _url(sessions[1], "forum:synthesis_project"), {"question": questions["trust"].pk}
    )
    text = page_text(_client(people[0]).get(live))
    assert "Projeté par l'animation" in text and "moyenne 3,7 · médiane 4" in text
    # A text question has no chart.
    response = _client(cornu).post(
        _url(sessions[1], "forum:synthesis_project"),
        {"question": questions["story"].pk},
        follow=True,
    )
    assert "pas de graphique" in page_text(response)
    _client(cornu).post(_url(sessions[1], "forum:synthesis_project"), {"question": ""})
    assert "Projeté par l'animation" not in page_text(_client(people[0]).get(live))


def test_services_refuse_others(sessions, answered):
    questionnaire, _questions, people = answered
    from forum.errors import NotAllowed

    with pytest.raises(NotAllowed):
        synthesis_share(questionnaire=questionnaire, actor=people[0], shared=True)
    with pytest.raises(NotAllowed):
        synthesis_project(questionnaire=questionnaire, actor=people[0], question_id=None)
