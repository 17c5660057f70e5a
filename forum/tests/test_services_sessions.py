"""Moving a session between upcoming, live and closed: who may, and what is published."""

from __future__ import annotations

from datetime import date

import pytest

from forum import events
from forum.errors import NotAllowed, UserError
from forum.models import Event, Role, Session, SessionState
from forum.services import session_state_set
from forum.tests.factories import make_registration, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    event = Event.objects.create(
        name="Intercoop 2007", slug="ic-2007", starts_on=date(2007, 7, 4), ends_on=date(2007, 7, 6)
    )
    return Session.objects.create(
        event=event, number=1, slug="territoires", title="Territoires", date=date(2007, 7, 4)
    )


@pytest.fixture
def published(monkeypatch):
    """The session_state_changed events published, as (session_id, state)."""
    heard = []

    def listener(*, session_id, state, **_):
        heard.append((session_id, state))

    events.subscribe("session_state_changed", listener, atomic=True)
    yield heard
    events._registry["session_state_changed"].atomic.remove(listener)


def facilitator_of(session):
    person = make_user()
    make_registration(user=person, event=session.event, role=Role.FACILITATOR)
    session.facilitator_users.add(person)
    return person


def organiser_of(session):
    person = make_user()
    make_registration(user=person, event=session.event, role=Role.ORGANISER)
    return person


def test_a_facilitator_of_the_session_opens_it_live(session, published):
    result = session_state_set(
        session=session, actor=facilitator_of(session), state=SessionState.LIVE
    )
    assert result.state == SessionState.LIVE
    session.refresh_from_db()
    assert session.state == SessionState.LIVE
    assert published == [(session.pk, SessionState.LIVE)]


def test_an_organiser_closes_it(session, published):
    session_state_set(session=session, actor=organiser_of(session), state=SessionState.CLOSED)
    session.refresh_from_db()
    assert session.state == SessionState.CLOSED
    assert published == [(session.pk, SessionState.CLOSED)]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.FACILITATOR, None])
def test_others_may_not_change_the_state(session, published, role):
    person = make_user()
    if role is not None:
        # A facilitator of another session is not a facilitator of this one.
        make_registration(user=person, event=session.event, role=role)
    with pytest.raises(NotAllowed) as refused:
        session_state_set(session=session, actor=person, state=SessionState.CLOSED)
    assert refused.value.code == "cannot_set_state"
    session.refresh_from_db()
    assert session.state == SessionState.UPCOMING
    assert published == []


def test_an_anonymous_visitor_may_not_change_the_state(session, published):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        session_state_set(session=session, actor=AnonymousUser(), state=SessionState.LIVE)


def test_an_unknown_state_is_refused(session, published):
    with pytest.raises(UserError) as refused:
        session_state_set(session=session, actor=organiser_of(session), state="paused")
    assert refused.value.code == "state"
    assert published == []


def test_setting_the_state_it_already_has_publishes_nothing(session, published):
    organiser = organiser_of(session)
    session_state_set(session=session, actor=organiser, state=SessionState.CLOSED)
    session_state_set(session=session, actor=organiser, state=SessionState.CLOSED)
    assert published == [(session.pk, SessionState.CLOSED)]


def test_a_closed_session_can_be_reopened(session, published):
    organiser = organiser_of(session)
    session_state_set(session=session, actor=organiser, state=SessionState.CLOSED)
    session_state_set(session=session, actor=organiser, state=SessionState.LIVE)
    session.refresh_from_db()
    assert session.state == SessionState.LIVE
    assert published[-1] == (session.pk, SessionState.LIVE)


def test_a_stale_session_object_is_reread_before_deciding(session, published):
    organiser = organiser_of(session)
    stale = Session.objects.get(pk=session.pk)
    session_state_set(session=session, actor=organiser, state=SessionState.CLOSED)
    session_state_set(session=stale, actor=organiser, state=SessionState.CLOSED)
    assert published == [(session.pk, SessionState.CLOSED)]
