"""check_sender: the message is credited to a person only when it comes from them.

- `reply+<token>@`: the token names the person the list mail was sent to. The From
  address must be one of that person's verified addresses (case and `+tags`
  ignored). Anyone else (a colleague the mail was forwarded to, a forger who saw
  the address) is held for moderation: never posted under the token's owner's name.
- `answers+<token>@` (a questionnaire's answers): the same, for the person the
  questionnaire was sent to.
- `<slug>@`: the From address must be a verified address of a member of the
  event (a confirmed registration, or an organiser). Anyone else is held, and gets
  a notice (once a day at most) explaining how to register.
- `<session-slug>+temoignage@`: as a list, a member of the event (else held, with
  a notice); whether they are registered for the session is create_testimony's.
- `<slug>+subscribe@` and `+unsubscribe@`: the person is looked up; list_command
  decides (the confirmation link by mail is the real check).
"""

from __future__ import annotations

from mailbridge.addresses import AddressKind
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.people import (
    is_member,
    language_of,
    owner_if_address,
    person_for_address,
)
from mailbridge.inbound.reasons import Reason


def step(ctx: InboundContext) -> Outcome:
    kind = ctx.route.kind
    if kind in (AddressKind.REPLY, AddressKind.ANSWERS):
        return _reply(ctx)
    ctx.sender = person_for_address(ctx.from_address)
    ctx.language = language_of(ctx.sender)
    if kind not in (AddressKind.LIST, AddressKind.TESTIMONY):
        who = f"user {ctx.sender.pk}" if ctx.sender else "nobody we know"
        return Outcome.go_on(f"{ctx.from_address} is {who}")
    if ctx.sender is None:
        return Outcome.found(
            Reason.UNKNOWN_SENDER,
            f"{ctx.from_address} is no verified address of anyone",
        )
    if not is_member(ctx.sender, ctx.board.event):
        return Outcome.found(
            Reason.UNKNOWN_SENDER,
            f"user {ctx.sender.pk} ({ctx.from_address}) is not registered at {ctx.board.event}",
        )
    return Outcome.go_on(f"member {ctx.sender.pk} ({ctx.from_address})")


def _reply(ctx: InboundContext) -> Outcome:
    verified = ctx.lookups.verified_addresses(ctx.token_user_id) if ctx.lookups else None
    owner, from_owner = owner_if_address(ctx.token_user_id, ctx.from_address, verified)
    if owner is None or not owner.is_active:
        ctx.sender = person_for_address(ctx.from_address)
        ctx.language = language_of(ctx.sender)
        return Outcome.found(
            Reason.NOT_ALLOWED,
            f"the account {ctx.token_user_id} the reply address was made for is closed",
        )
    if from_owner:
        ctx.sender = owner
        ctx.language = language_of(owner)
        return Outcome.go_on(f"From {ctx.from_address} is user {owner.pk}, as the token says")
    ctx.sender = person_for_address(ctx.from_address)
    ctx.language = language_of(ctx.sender) or language_of(owner)
    return Outcome.found(
        Reason.SENDER_MISMATCH,
        f"From {ctx.from_address} is not an address of user {owner.pk}, "
        "to whom this reply address was sent",
    )
