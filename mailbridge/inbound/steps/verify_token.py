"""verify_token: a reply address names the post answered and the person it was sent to.

The gateway already refused forged tokens at RCPT (550 5.7.1); verifying again here
keeps the pipeline right on its own (a message reprocessed after a key rotation, a
row written by hand). The post answered may have been deleted since it was mailed.
An `answers+<token>@` address names a questionnaire and the person it was sent to.
"""

from __future__ import annotations

from forum.models import Post
from mailbridge.addresses import AddressKind
from mailbridge.errors import InvalidToken
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.lookups import REPLY_POST_RELATED
from mailbridge.inbound.reasons import Reason
from mailbridge.tokens import verify_answers_token, verify_reply_token


def step(ctx: InboundContext) -> Outcome:
    if ctx.route.kind is AddressKind.ANSWERS:
        return _answers(ctx)
    if ctx.route.kind is not AddressKind.REPLY:
        return Outcome.go_on("not a reply address")
    try:
        token = verify_reply_token(ctx.route.token)
    except InvalidToken as exc:
        return Outcome.found(Reason.INVALID_TOKEN, str(exc))
    ctx.token_user_id = token.user_id
    known, post = ctx.lookups.reply_post(token.post_id) if ctx.lookups else (False, None)
    if not known:
        post = Post.objects.select_related(*REPLY_POST_RELATED).filter(pk=token.post_id).first()
    if post is None:
        return Outcome.found(Reason.POST_GONE, f"post {token.post_id} does not exist")
    ctx.parent = post
    ctx.thread = post.thread
    ctx.board = post.thread.board
    return Outcome.go_on(f"user {token.user_id} answering post {post.pk}")


def _answers(ctx: InboundContext) -> Outcome:
    from forum.selectors.questionnaires import questionnaire_by_id
    from mailbridge.questionnaires.mailing import board_of

    try:
        token = verify_answers_token(ctx.route.token)
    except InvalidToken as exc:
        return Outcome.found(Reason.INVALID_TOKEN, str(exc))
    ctx.token_user_id = token.user_id
    questionnaire = questionnaire_by_id(pk=token.questionnaire_id)
    if questionnaire is None:
        return Outcome.found(
            Reason.QUESTIONNAIRE_CLOSED, f"questionnaire {token.questionnaire_id} is gone"
        )
    ctx.questionnaire = questionnaire
    ctx.board = board_of(questionnaire)
    return Outcome.go_on(f"user {token.user_id} answering questionnaire {questionnaire.pk}")
