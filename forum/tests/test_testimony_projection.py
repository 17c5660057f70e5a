"""A facilitator projects one published testimony on the session's live page (title,
author or « Témoignage anonyme », text) in place of a chart, and clears it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from forum.errors import NotAllowed, UserError
from forum.models import TestimonyStatus
from forum.services import testimonies as services
from forum.services.synthesis import synthesis_project_testimony
from forum.tests.reading import page_text
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu  # noqa: F401

pytestmark = pytest.mark.django_db

BODY = "Dans notre association, les non-dits ont fini par user le bureau."


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def published(session, person, title, consent):
    services.testimony_consent_choose(session=session, person=person, consent=consent)
    return services.testimony_submit(session=session, author=person, title=title, body=BODY)


@pytest.fixture
def setting(sessions, cornu, alice, bruno):  # noqa: F811
    session = sessions[1]
    questionnaire, questions, people = answered_questionnaire(session, cornu)
    signed = published(session, alice, "Le bureau usé", "signed")
    anonymous = published(session, bruno, "Ce qu'on taisait", "anonymous")
    return session, questionnaire, questions, people, signed, anonymous


def test_projecting_a_testimony_on_the_live_page(setting, cornu):  # noqa: F811
    session, _questionnaire, questions, people, signed, anonymous = setting
    live = reverse("realtime:session_live", args=[session.slug])
    synthesis = reverse("forum:synthesis", args=[session.slug])
    project = reverse("forum:synthesis_project_testimony", args=[session.slug])
    page = _client(cornu).get(synthesis).content.decode()
    assert 'id="project-testimony"' in page and "Ce qu&#x27;on taisait — Témoignage anonyme" in page
    _client(cornu).post(project, {"testimony": signed.pk})
    text = page_text(_client(people[0]).get(live))
    assert "Projeté par l'animation" in text
    assert "Le bureau usé" in text and "Alice Coopère" in text and "les non-dits" in text
    # Anonymous: the label, never the person.
    response = _client(cornu).post(project, {"testimony": anonymous.pk}, follow=True)
    assert "Le témoignage est projeté" in page_text(response)
    text = page_text(_client(people[0]).get(live))
    assert "Ce qu'on taisait" in text and "Témoignage anonyme" in text
    assert "Bruno" not in text and "Le bureau usé" not in text
    # A chart takes its place, and the testimony takes the chart's.
    _client(cornu).post(
        reverse("forum:synthesis_project", args=[session.slug]), {"question": questions["trust"].pk}
    )
    text = page_text(_client(people[0]).get(live))
    assert "moyenne" in text and "Ce qu'on taisait" not in text
    _client(cornu).post(project, {"testimony": signed.pk})
    text = page_text(_client(people[0]).get(live))
    assert "Le bureau usé" in text and "moyenne" not in text
    # Cleared.
    _client(cornu).post(reverse("forum:synthesis_project", args=[session.slug]), {"question": ""})
    assert "Projeté par l'animation" not in page_text(_client(people[0]).get(live))


def test_only_published_testimonies_of_the_session_and_only_by_builders(setting, cornu):  # noqa: F811
    session, questionnaire, _questions, people, signed, _anonymous = setting
    project = reverse("forum:synthesis_project_testimony", args=[session.slug])
    assert _client(people[0]).post(project, {"testimony": signed.pk}).status_code == 403
    with pytest.raises(NotAllowed):
        synthesis_project_testimony(
            questionnaire=questionnaire, actor=people[0], testimony_id=signed.pk
        )
    with pytest.raises(UserError):
        synthesis_project_testimony(questionnaire=questionnaire, actor=cornu, testimony_id=999999)
    signed.status = TestimonyStatus.REFUSED
    signed.save(update_fields=["status"])
    response = _client(cornu).post(project, {"testimony": signed.pk}, follow=True)
    assert "pas publié dans cette session" in page_text(response)
    questionnaire.refresh_from_db()
    assert questionnaire.projected_testimony_id is None
