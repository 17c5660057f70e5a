"""The policy table: what a found reason does to a message is read there, and only there."""

from __future__ import annotations

import pytest
from django.template.loader import get_template

from forum.models import Post
from mailbridge.addresses import AddressKind
from mailbridge.inbound.context import Outcome
from mailbridge.inbound.errors import StepFailed
from mailbridge.inbound.policy import (
    ANSWERED_AT_SMTP,
    AT_COMMAND_ADDRESS,
    POLICY,
    Action,
    Decision,
    decision_for,
)
from mailbridge.inbound.processing import inbound_process
from mailbridge.inbound.reasons import Reason
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene
from mailbridge.tests.inbound.support import step_replaced, store_by_hand

STATUSES_OF = {
    Action.POST: {InboundStatus.POSTED, InboundStatus.NEW_THREAD},
    Action.HOLD: {InboundStatus.HELD},
    Action.REJECT: {InboundStatus.REJECTED},
    Action.BOUNCE: {InboundStatus.BOUNCE},
    Action.COMMAND: {InboundStatus.COMMAND},
    Action.DISCARD: {InboundStatus.DUPLICATE},
    Action.REVIEW: {InboundStatus.TESTIMONY},
    Action.ANSWER: {InboundStatus.ANSWERED},
    Action.KEEP: {InboundStatus.LIST_ADMIN},
}


def test_every_reason_is_decided_by_the_table_or_answered_at_smtp_never_both():
    assert set(POLICY) | ANSWERED_AT_SMTP == set(Reason)
    assert not set(POLICY) & ANSWERED_AT_SMTP
    assert set(AT_COMMAND_ADDRESS) <= set(POLICY)


def test_a_reason_no_step_may_find_fails_loudly():
    with pytest.raises(LookupError, match="stored"):
        decision_for(Reason.STORED)
    with pytest.raises(LookupError, match="rate_limited"):
        Outcome.found(Reason.RATE_LIMITED, "found by a step by mistake")


@pytest.mark.parametrize("decision", [*POLICY.values(), *AT_COMMAND_ADDRESS.values()])
def test_each_status_says_what_its_action_did(decision):
    assert decision.status in STATUSES_OF[decision.action]


@pytest.mark.parametrize(
    "notice", sorted({d.notice for d in [*POLICY.values(), *AT_COMMAND_ADDRESS.values()]} - {None})
)
def test_each_notice_named_has_its_templates(notice):
    get_template(f"mail/notices/{notice}.txt")
    get_template(f"mail/notices/{notice}_subject.txt")


def test_at_a_command_address_the_sender_is_answered_not_held():
    assert decision_for(Reason.UNKNOWN_SENDER, AddressKind.LIST).action is Action.HOLD
    for kind in (AddressKind.SUBSCRIBE, AddressKind.UNSUBSCRIBE):
        assert decision_for(Reason.UNKNOWN_SENDER, kind).status == InboundStatus.COMMAND
        assert decision_for(Reason.NOT_ALLOWED, kind).status == InboundStatus.COMMAND
        assert decision_for(Reason.EMPTY, kind).status == InboundStatus.REJECTED
    assert decision_for(Reason.NOT_ALLOWED, AddressKind.REPLY).status == InboundStatus.REJECTED


def test_a_line_changed_in_the_table_changes_what_happens_and_the_trail_says_it(db, monkeypatch):
    scene = Scene()
    data = scene.fixture("reply_thunderbird_fr.eml")
    Post.objects.filter(pk=scene.post.pk).delete()
    monkeypatch.setitem(POLICY, Reason.POST_GONE, Decision(Action.HOLD, InboundStatus.HELD))
    row = store_by_hand(data, mail_from=HELENE, rcpt_tos=[scene.address])
    assert inbound_process(inbound_id=row.pk) == InboundStatus.HELD
    row.refresh_from_db()
    assert row.reason == "post_gone"
    assert row.trail[-1] | {"detail": ""} == {
        "step": "verify_token",
        "outcome": "stop",
        "status": "held",
        "reason": "post_gone",
        "detail": "",
    }
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()  # no notice named


def test_a_step_finding_a_reason_without_policy_keeps_the_message_for_another_try(db, monkeypatch):
    scene = Scene()
    row = store_by_hand(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    )
    step_replaced(monkeypatch, "extract", lambda ctx: Outcome.found(Reason.TOO_BIG))
    with pytest.raises(StepFailed):
        inbound_process(inbound_id=row.pk)
    row.refresh_from_db()
    assert row.status == InboundStatus.RECEIVED
    assert row.trail[-1]["step"] == "extract" and row.trail[-1]["outcome"] == "error"
    assert "no policy for reason" in row.trail[-1]["detail"]


@pytest.mark.parametrize("reason", [r for r, d in POLICY.items() if d.notice])
def test_no_reason_is_answered_with_a_notice_at_a_bridge(reason):
    assert decision_for(reason, AddressKind.LIST).notice
    assert decision_for(reason, AddressKind.BRIDGE).notice is None
