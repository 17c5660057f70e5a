"""The session's whole method on the web only: a participant answers the
questionnaire's form, writes a testimony on its page, and the facilitator's synthesis
page counts the answer and lists the testimony under its theme."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from forum.models import BoardKind, RespondentStatus
from forum.models import testimony as records
from forum.selectors.questionnaires import respondent_status
from forum.tests.board_factories import board_for
from forum.tests.questionnaire_factories import make_questionnaire
from forum.tests.reading import page_text
from forum.tests.synthesis_fixtures import cornu  # noqa: F401
from forum.tests.test_questionnaire_views import form_data

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"forum:{name}", args=args)


def test_questionnaire_testimony_and_synthesis_on_the_web_only(sessions, cornu, alice):  # noqa: F811
    session = sessions[1]
    board_for(session)
    questionnaire, questions = make_questionnaire(session, builder=cornu)
    client = Client()
    client.force_login(alice)
    answered = client.post(
        url("questionnaire_answer", session.slug),
        form_data(questions, trust="5", story="Le bureau se taisait."),
    )
    assert answered.status_code == 302
    assert respondent_status(questionnaire=questionnaire, person=alice) == (
        RespondentStatus.ANSWERED
    )

    client.post(url("testimony_write", session.slug), {"consent": "signed"})
    theme = records.TestimonyTheme.objects.get(session=session, name="non-dits")
    written = client.post(
        url("testimony_write", session.slug),
        {"title": "Le bureau épuisé", "body": "Personne ne disait rien.", "themes": [theme.pk]},
    )
    assert written.status_code == 302
    testimony = records.Testimony.objects.get(session=session)
    assert testimony.source == "web"
    assert testimony.thread.board.kind == BoardKind.TESTIMONIES

    facilitator = Client()
    facilitator.force_login(cornu)
    page = facilitator.get(url("synthesis", session.slug))
    assert 'data-synthesis-responses="1"' in page.content.decode()
    text = page_text(page)
    assert "Le bureau se taisait." in text
    assert "non-dits (1)" in text and "Le bureau épuisé — Alice Coopère" in text
