"""answer_questionnaire: a reply to a questionnaire mail (`answers+<token>@`) records
its answers instead of making a post (mailbridge/questionnaires/answering.py)."""

from __future__ import annotations

from mailbridge.addresses import AddressKind
from mailbridge.inbound.context import InboundContext, Outcome


def step(ctx: InboundContext) -> Outcome:
    if ctx.route.kind is not AddressKind.ANSWERS:
        return Outcome.go_on("not a questionnaire's answers")
    from mailbridge.questionnaires.answering import answer_by_mail

    return answer_by_mail(ctx)
