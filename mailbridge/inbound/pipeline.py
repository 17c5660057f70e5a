"""The inbound pipeline: one named step after another until one decides.

Read top to bottom, this is what happens to a message the gateway stored (Mailman's
chains of rules; docs/architecture.md, "Path of a reply by email", step 4). Each step
is a module of mailbridge/inbound/steps/ with `step(ctx) -> Outcome`; it either lets
the message go on or stops it with what it found, a reason (reasons.py). What that
reason does to the message (its status, a notice) is read from the policy table
(policy.py). `create_post` always decides, so every message ends with a status.

Mail to a bridge (`bridge+<network-slug>@`, a network's own list) takes the steps
marked `bridged` only, from the `bridge` step on: the list's List-Id and the real
author there, no question of who may write to our lists, no bounce scoring.

Why detect_bounce comes before detect_auto_reply: a delivery status notification
carries `Auto-Submitted: auto-replied` (Postfix, Exim, Exchange add it, as RFC 3834
§5 asks), and must reach the bounce scoring instead of being dropped as a
vacation message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.errors import StepFailed
from mailbridge.inbound.steps import (
    answer_questionnaire,
    attachments,
    authenticate,
    bridge,
    check_sender,
    create_post,
    create_testimony,
    deduplicate,
    detect_auto_reply,
    detect_bounce,
    detect_loop,
    extract,
    find_parent,
    list_command,
    parse,
    resolve_address,
    verify_token,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[InboundContext], Outcome]
    # Runs on what a bridged list sends (`bridge+<network-slug>@`, steps/bridge.py)?
    # Who may write to one of our lists is not asked there: the list decided.
    bridged: bool = True
    # Runs only on the messages this holds for (else it leaves no trail entry).
    when: Callable[[InboundContext], bool] | None = None


STEPS: tuple[Step, ...] = (
    Step("parse", parse.step),  # bytes → EmailMessage; unreadable → rejected
    Step("detect_loop", detect_loop.step),  # our own mail coming back → rejected
    Step("bridge", bridge.step, when=bridge.sent_to_bridge),  # its list's List-Id, the author
    Step("detect_bounce", detect_bounce.step, bridged=False),  # DSN → bounce scoring
    Step("detect_auto_reply", detect_auto_reply.step, bridged=False),  # RFC 3834… → rejected
    Step("resolve_address", resolve_address.step, bridged=False),  # which list, reply, command
    Step("verify_token", verify_token.step, bridged=False),  # reply+<token>: the post answered
    Step("check_sender", check_sender.step, bridged=False),  # From is the member (else held)
    Step("authenticate", authenticate.step),  # trusted DMARC/DKIM/SPF verdicts
    Step("list_command", list_command.step, bridged=False),  # +subscribe / +unsubscribe
    Step("find_parent", find_parent.step),  # In-Reply-To/References → a known post
    Step("deduplicate", deduplicate.step),  # the same Message-ID makes one post
    Step("extract", extract.step),  # the person's words, without quotes
    Step("answer_questionnaire", answer_questionnaire.step, bridged=False),  # answers+<token>@
    Step("attachments", attachments.step),  # files kept, dangerous ones never inline
    Step("create_testimony", create_testimony.step, bridged=False),  # +temoignage@
    Step("create_post", create_post.step),  # forum.services: the one road of a post
)

STEP_NAMES = tuple(step.name for step in STEPS)


def pipeline_run(ctx: InboundContext, *, before: str | None = None) -> Outcome | None:
    """Run the steps on `ctx` until one stops; record each in `ctx.trail`. With
    `before`, stop short of that step and return None when the message got there:
    the caller runs it for many messages together (pipeline_finish_many).

    An exception in a step is no decision: it is recorded, and StepFailed is
    raised so that the caller keeps the message for another attempt.
    """
    for step in STEPS:
        if step.name == before:
            return None
        if (ctx.bridge is not None and not step.bridged) or (
            step.when is not None and not step.when(ctx)
        ):
            continue
        try:
            outcome = step.run(ctx)
        except Exception as exc:
            _failed(ctx, step.name, exc)
        if _decided(ctx, step.name, outcome):
            return outcome
    raise RuntimeError("the pipeline ended without a decision; create_post must decide")


LAST_STEP = STEPS[-1].name


def pipeline_finish_many(contexts: list[InboundContext]) -> dict[int, StepFailed]:
    """The last step (create_post) for messages that reached it together
    (pipeline_run with before=LAST_STEP): their replies are written in one
    transaction (create_post.step_many). Returns {message id: StepFailed} for those
    whose step raised, to be tried again."""
    failures: dict[int, StepFailed] = {}
    if not contexts:
        return failures
    try:
        outcomes = create_post.step_many(contexts)
    except Exception as exc:  # noqa: BLE001 - no decision for any: each is tried again
        outcomes = [exc] * len(contexts)
    for ctx, outcome in zip(contexts, outcomes, strict=True):
        try:
            if isinstance(outcome, Exception):
                _failed(ctx, LAST_STEP, outcome)
            if not _decided(ctx, LAST_STEP, outcome):
                _failed(ctx, LAST_STEP, RuntimeError("create_post must decide"))
        except StepFailed as failure:
            failures[ctx.inbound_id] = failure
    return failures


def _decided(ctx: InboundContext, name: str, outcome: Outcome) -> bool:
    ctx.record(name, outcome)
    if not outcome.stops:
        return False
    ctx.decide(outcome)
    if ctx.post is None:
        _cleanup(ctx)
    return True


def _failed(ctx: InboundContext, name: str, exc: Exception) -> NoReturn:
    logger.error("inbound %s: step %s failed", ctx.inbound_id, name, exc_info=exc)
    ctx.note(name, "error", f"{type(exc).__name__}: {exc}", "processing_error")
    _cleanup(ctx)
    raise StepFailed(name, exc) from exc


def _cleanup(ctx: InboundContext) -> None:
    """Attachment files written for a post that was not made are removed."""
    if ctx.attachments:
        attachments.files_remove(ctx.attachments)
        ctx.attachments = []
