"""Testimonies on the site: consent chosen first and kept, the page written with its
themes, published as a thread of the session's « Témoignages » board, held for
review when the session asks it, the settings, the booklet, and who may do what."""

from __future__ import annotations

import html as html_text
import re
import uuid

import pytest
from django.urls import reverse

from forum.errors import UserError
from forum.models import Board, BoardKind, Consent, Follow, FollowLevel
from forum.models import testimony as records
from forum.selectors import testimonies as reads
from forum.services import testimonies as services
from forum.tests.board_factories import board_for, make_facilitator, make_participant
from forum.tests.factories import make_user
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db

BODY = "Dans notre association, les non-dits ont fini par user le bureau."


@pytest.fixture
def session(sessions):
    board_for(sessions[1])
    return sessions[1]


@pytest.fixture
def cornu(session):
    return make_facilitator(session, display_name="Jean-Michel Cornu")


def url(name: str, *args) -> str:
    return reverse(f"forum:{name}", args=args)


def write_page(client, session):
    return client.get(url("testimony_write", session.slug))


def test_consent_is_chosen_before_writing_and_kept(client, session, alice):
    client.force_login(alice)
    page = write_page(client, session)
    assert "Avant d'écrire, choisissez" in page_text(page)
    assert 'name="body"' not in page.content.decode()
    client.post(url("testimony_write", session.slug), {"consent": "anonymous"})
    page = write_page(client, session)
    assert 'name="body"' in page.content.decode()
    assert "Votre témoignage sera anonyme" in page_text(page)
    # The other choice is refused afterwards, by the service whatever the door.
    with pytest.raises(UserError):
        services.testimony_consent_choose(session=session, person=alice, consent="signed")
    assert records.TestimonyWriter.objects.get(person=alice).consent == Consent.ANONYMOUS


def test_the_write_page_shows_the_limit_and_the_session_themes(client, session, alice):
    client.force_login(alice)
    services.testimony_consent_choose(session=session, person=alice, consent="signed")
    html = write_page(client, session).content.decode()
    assert 'maxlength="3000"' in html
    assert "js/char-count.js" in html and "<script>" not in html and "style=" not in html
    for theme in ("désimplication", "non-dits", "identité collective", "légitimité externe"):
        assert theme in html


def test_a_signed_testimony_becomes_a_thread_of_the_testimonies_board(
    client, session, alice, bruno
):
    Follow.objects.create(user=bruno, board=session.board, level=FollowLevel.EMAIL)
    client.force_login(alice)
    services.testimony_consent_choose(session=session, person=alice, consent="signed")
    theme = records.TestimonyTheme.objects.get(session=session, name="non-dits")
    response = client.post(
        url("testimony_write", session.slug),
        {"title": "Le bureau épuisé", "body": BODY, "themes": [theme.pk]},
    )
    assert response.status_code == 302
    testimony = records.Testimony.objects.get()
    assert testimony.status == records.TestimonyStatus.PUBLISHED
    board = testimony.thread.board
    assert board.kind == BoardKind.TESTIMONIES and board.session == session
    assert board.title.startswith("Témoignages")
    thread_page = page_text(client.get(testimony.thread.get_absolute_url()))
    assert "Le bureau épuisé" in thread_page and "Alice Coopère" in thread_page
    assert "Thèmes : non-dits" in thread_page
    # The group replies as in any thread; the session's followers follow this board too.
    assert Follow.objects.filter(user=bruno, board=board, level=FollowLevel.EMAIL).exists()
    reply = client.post(
        url("post_reply", testimony.thread.pk),
        {"body": "Merci pour ce récit.", "submission_key": uuid.uuid4().hex},
    )
    assert reply.status_code == 302
    assert testimony.thread.posts.count() == 2
    # The page now says it is written, with its link.
    assert "Voir le fil du témoignage" in page_text(write_page(client, session))


def test_a_page_too_long_a_second_testimony_and_strangers_are_refused(client, session, alice):
    services.testimony_consent_choose(session=session, person=alice, consent="signed")
    with pytest.raises(UserError) as too_long:
        services.testimony_submit(session=session, author=alice, title="T", body="x" * 3001)
    assert too_long.value.code == "testimony_too_long"
    services.testimony_submit(session=session, author=alice, title="T", body=BODY)
    with pytest.raises(UserError) as second:
        services.testimony_submit(session=session, author=alice, title="T2", body=BODY)
    assert second.value.code == "testimony_exists"
    stranger = make_user()
    client.force_login(stranger)
    assert write_page(client, session).status_code == 403
    other_session = make_participant(session.event, sessions=[])
    client.force_login(other_session)
    assert write_page(client, session).status_code == 403
    client.logout()
    assert write_page(client, session).status_code == 302  # sign in first


def test_held_testimonies_wait_for_review_then_are_published_or_refused(
    client, session, alice, bruno, cornu
):
    services.testimony_settings_set(
        session=session, editor=cornu, hold_for_review=True, reminder_days=[7, 2]
    )
    for person, title in ((alice, "Premier"), (bruno, "Second")):
        services.testimony_consent_choose(session=session, person=person, consent="anonymous")
        services.testimony_submit(session=session, author=person, title=title, body=BODY)
    assert not Board.objects.filter(kind=BoardKind.TESTIMONIES).exists()
    client.force_login(alice)
    assert "attend la relecture" in page_text(write_page(client, session))
    assert client.get(url("testimony_review", session.slug)).status_code == 403
    client.force_login(cornu)
    queue = page_text(client.get(url("testimony_review", session.slug)))
    assert "Premier" in queue and "Second" in queue
    assert "Alice Coopère" not in queue  # anonymous: not even to facilitators
    first, second = records.Testimony.objects.order_by("pk")
    client.post(url("testimony_review", session.slug), {"testimony": first.pk, "action": "publish"})
    client.post(
        url("testimony_review", session.slug),
        {"testimony": second.pk, "action": "refuse", "reason": "Hors sujet"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == records.TestimonyStatus.PUBLISHED and first.thread is not None
    assert (
        second.status == records.TestimonyStatus.REFUSED and second.refusal_reason == "Hors sujet"
    )
    assert "Aucun témoignage n'attend" in page_text(
        client.get(url("testimony_review", session.slug))
    )
    # A refused author may write another one.
    client.force_login(bruno)
    assert 'name="body"' in write_page(client, session).content.decode()


def test_facilitators_edit_the_themes_and_the_settings(client, session, cornu, alice):
    client.force_login(alice)
    assert client.get(url("testimony_settings", session.slug)).status_code == 403
    client.force_login(cornu)
    page = page_text(client.get(url("testimony_settings", session.slug)))
    assert "amateurs et professionnels" in page
    client.post(
        url("testimony_settings", session.slug),
        {"hold_for_review": "on", "reminder_days": "10, 3", "themes": "non-dits\nGouvernance\n"},
    )
    call = services.testimony_call_for(session)
    assert call.hold_for_review and call.reminder_days == [10, 3]
    assert list(
        records.TestimonyTheme.objects.filter(session=session).values_list("name", flat=True)
    ) == [
        "non-dits",
        "Gouvernance",
    ]
    response = client.post(
        url("testimony_settings", session.slug), {"reminder_days": "1,2,3,4", "themes": "x"}
    )
    assert "Au plus 3 relances" in page_text(response)
    response = client.post(
        url("testimony_settings", session.slug), {"reminder_days": "7, deux", "themes": "x"}
    )
    assert "Indiquez des nombres de jours entre 1 et 365" in page_text(response)


def test_only_organisers_see_the_author_and_each_look_is_logged(
    client, session, alice, cornu, organiser
):
    services.testimony_consent_choose(session=session, person=alice, consent="anonymous")
    testimony = services.testimony_submit(session=session, author=alice, title="T", body=BODY)
    reveal = url("testimony_author", testimony.pk)
    for refused in (alice, cornu):
        client.force_login(refused)
        assert client.post(reveal).status_code == 403
    assert not records.TestimonyAuthorAccess.objects.exists()
    client.force_login(organiser)
    assert client.get(reveal).status_code == 405
    assert "Alice Coopère" in page_text(client.post(reveal))
    access = records.TestimonyAuthorAccess.objects.get()
    assert access.viewer == organiser and access.testimony == testimony and access.at


def test_the_selector_by_theme_groups_the_published_ones(session, alice, bruno, lea):
    themes = {
        t.name: t.pk for t in services.testimony_call_for(session).session.testimony_themes.all()
    }
    for person, title, names, consent in (
        (alice, "A", ["non-dits"], "signed"),
        (bruno, "B", ["non-dits", "désimplication"], "anonymous"),
        (lea, "C", [], "signed"),
    ):
        services.testimony_consent_choose(session=session, person=person, consent=consent)
        services.testimony_submit(
            session=session, author=person, title=title, body=BODY,
            theme_ids=[themes[name] for name in names],
        )  # fmt: skip
    groups = {
        group.theme: [card.title for card in group.testimonies]
        for group in reads.testimonies_by_theme(session)
    }
    assert groups["non-dits"] == ["A", "B"]
    assert groups["désimplication"] == ["B"]
    assert groups["identité collective"] == []
    assert groups[""] == ["C"]
    names = {
        card.title: card.author_name
        for group in reads.testimonies_by_theme(session)
        for card in group.testimonies
    }
    assert names == {"A": "Alice Coopère", "B": "Témoignage anonyme", "C": "Léa Martin"}


def test_the_booklet_prints_one_testimony_a_page_with_the_programme(client, session, alice, bruno):
    for person, consent in ((alice, "signed"), (bruno, "anonymous")):
        services.testimony_consent_choose(session=session, person=person, consent=consent)
        services.testimony_submit(
            session=session, author=person, title=f"Récit {consent}", body=BODY
        )
    response = client.get(url("testimony_booklet", session.slug))
    html = html_text.unescape(response.content.decode())
    assert response.status_code == 200
    assert html.count('class="testimony-page"') == 2
    assert html.count(session.event.name) >= 3  # the cover and each page's head
    assert "css/booklet.css" in html and "Témoignage anonyme" in html
    assert "Bruno Mutuelle" not in html
    css = (
        pytest.importorskip("pathlib").Path(__file__).parents[2] / "static/css/booklet.css"
    ).read_text()
    assert "break-after: page" in css and "@media print" in css


def test_the_session_page_links_to_the_testimony_pages(client, session, alice, cornu):
    client.force_login(alice)
    html = client.get(session.get_absolute_url()).content.decode()
    assert url("testimony_write", session.slug) in html
    client.force_login(cornu)
    html = client.get(session.get_absolute_url()).content.decode()
    assert url("testimony_review", session.slug) in html


def test_the_decline_link_records_and_a_forged_one_is_refused(client, session, alice):
    from forum.testimony_tokens import decline_token

    token = decline_token(session_id=session.pk, user_id=alice.pk)
    assert client.get(url("testimony_decline", token)).status_code == 200
    client.post(url("testimony_decline", token))
    assert (
        records.TestimonyWriter.objects.get(person=alice, session=session).declined_at is not None
    )
    assert client.get(url("testimony_decline", token + "x")).status_code == 403


def test_the_seed_gives_the_first_session_its_testimony_themes(sessions):
    call = sessions[1].testimony_call
    assert call.reminder_days == [7, 2] and not call.hold_for_review
    names = list(sessions[1].testimony_themes.values_list("name", flat=True))
    assert names[:4] == ["désimplication", "non-dits", "identité collective", "légitimité externe"]


def test_the_synthesis_page_groups_the_testimonies_by_theme(client, session, cornu, alice, bruno):
    from forum.services.questionnaires import questionnaire_create

    questionnaire_create(session=session, actor=cornu)
    themes = {
        t.name: t.pk for t in services.testimony_call_for(session).session.testimony_themes.all()
    }
    for person, title, consent in (
        (alice, "Le bureau usé", "signed"),
        (bruno, "Ce qu'on taisait", "anonymous"),
    ):
        services.testimony_consent_choose(session=session, person=person, consent=consent)
        services.testimony_submit(
            session=session, author=person, title=title, body=BODY, theme_ids=[themes["non-dits"]]
        )  # fmt: skip
    client.force_login(cornu)
    text = page_text(client.get(url("synthesis", session.slug)))
    assert "Témoignages par thème" in text
    assert "non-dits (2)" in text
    assert "Le bureau usé — Alice Coopère" in text
    assert "Ce qu'on taisait — Témoignage anonyme" in text
    assert "Bruno" not in text
    assert "désimplication (" not in text  # a theme no testimony has is left out
    only = page_text(client.get(url("synthesis", session.slug) + "?tag=aucun-theme"))
    assert "Témoignages par thème" not in only


def test_the_synthesis_page_filtered_by_theme_lists_that_theme_alone(
    client, session, cornu, alice, bruno
):
    from forum.services.questionnaires import questionnaire_create

    questionnaire_create(session=session, actor=cornu)
    themes = {
        t.name: t.pk for t in services.testimony_call_for(session).session.testimony_themes.all()
    }
    for person, title, theme in (
        (alice, "Le bureau usé", "non-dits"),
        (bruno, "Le départ de Paul", "désimplication"),
    ):
        services.testimony_consent_choose(session=session, person=person, consent="signed")
        services.testimony_submit(
            session=session, author=person, title=title, body=BODY, theme_ids=[themes[theme]]
        )
    client.force_login(cornu)
    everything = page_text(client.get(url("synthesis", session.slug)))
    assert "Le bureau usé" in everything and "Le départ de Paul" in everything
    for tag, shown, left_out in (
        ("non-dits", "Le bureau usé", "Le départ de Paul"),
        ("désimplication", "Le départ de Paul", "Le bureau usé"),
    ):
        for _twice in range(2):  # rendered, then the shared render of that filter
            body = client.get(url("synthesis", session.slug), {"tag": tag}).content.decode()
            # The facilitator's projection form lists every testimony; the section, one theme.
            section = re.search(r'<section class="synthesis-testimonies".*?</section>', body, re.S)
            assert f"{tag} <span" in section.group(0)
            assert shown in section.group(0) and left_out not in section.group(0)
