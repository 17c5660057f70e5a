"""Signed tokens carried in the local part of our addresses (docs/fixed-points.md, "Mail
addresses").

    reply+<user>-<post>-<mac>@domain     Reply-To of every outgoing post
    bounces+<delivery>-<mac>@domain      envelope sender (VERP) of every delivery
    answers+<user>-<questionnaire>-<mac>@domain   Reply-To of a questionnaire's mails

Numbers are written in base 36 and the MAC is HMAC-SHA256, keyed from SECRET_KEY
with one salt per purpose (a bounce token is never a reply token), truncated to
80 bits and written in lowercase base 32. Why this shape:

- Lowercase only: RFC 5321 §2.4 lets a receiving server treat the local part as
  case-sensitive, but many MTAs and some clients lowercase it (or uppercase it);
  verification lowercases first, so a case change never invalidates a token.
- Short: a local part is at most 64 octets (RFC 5321 §4.5.3.1.1); the longest
  reply token (two 64-bit ids) keeps `reply+<token>` under 52.
- Only `[0-9a-z-]`: an RFC 5322 dot-atom that no MTA quotes or rewrites.
- 80 bits of MAC: guessing a valid token for a given (user, post) takes 2^79
  tries on average, against a gateway that answers one RCPT at a time.

The gateway (at RCPT) and the inbound pipeline call `verify_reply_token` and
`verify_bounce_token`; both raise `InvalidToken` with a reason for anything forged,
garbled or made for another purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings

from mailbridge.errors import InvalidToken

REPLY_SALT = "intercoop.reply"
BOUNCE_SALT = "intercoop.bounces"
ANSWERS_SALT = "intercoop.questionnaire.answers"
MAC_BYTES = 10  # 80 bits, 16 base-32 characters
MAC_CHARS = 16
MAX_ID = 2**63 - 1  # a BigAutoField
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class ReplyToken(NamedTuple):
    user_id: int
    post_id: int


class AnswersToken(NamedTuple):
    user_id: int
    questionnaire_id: int


@lru_cache(maxsize=16)
def _keyed(salt: str, secret: str) -> hmac.HMAC:
    # The key derived as django.utils.crypto.salted_hmac derives it, and the HMAC
    # state after the key: built once per (salt, secret), copied per token.
    key = hashlib.sha256((salt + secret).encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def _mac(salt: str, value: str, secret: str) -> str:
    mac = _keyed(salt, secret).copy()
    mac.update(value.encode())
    return base64.b32encode(mac.digest()[:MAC_BYTES]).decode("ascii").lower()


def _secrets() -> list[str]:
    # SECRET_KEY_FALLBACKS keep tokens already sent valid across a key rotation.
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _b36(number: int) -> str:
    if not 0 < number <= MAX_ID:
        raise ValueError(f"id {number!r} out of range for a token")
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))


def _parse_id(text: str) -> int:
    if not text or text[0] == "0" or not all(c in _DIGITS for c in text):
        raise InvalidToken("garbled", f"{text!r} is not an id in base 36")
    number = int(text, 36)
    if number > MAX_ID:
        raise InvalidToken("garbled", f"{text!r} is out of range")
    return number


def _sign(salt: str, ids: tuple[int, ...]) -> str:
    value = "-".join(_b36(number) for number in ids)
    return f"{value}-{_mac(salt, value, settings.SECRET_KEY)}"


def _verify(salt: str, token: str, parts: int) -> tuple[int, ...]:
    """The ids of a token of `parts` ids, after checking its MAC in constant time."""
    token = (token or "").strip().lower()
    pieces = token.split("-")
    if len(pieces) != parts + 1:
        raise InvalidToken("garbled", f"expected {parts} ids and a signature")
    *id_texts, mac = pieces
    if len(mac) != MAC_CHARS:
        raise InvalidToken("garbled", "the signature has the wrong length (truncated?)")
    ids = tuple(_parse_id(text) for text in id_texts)
    value = "-".join(id_texts)
    for secret in _secrets():
        if hmac.compare_digest(_mac(salt, value, secret), mac):
            return ids
    raise InvalidToken("forged", "the signature does not match")


def reply_token(user_id: int, post_id: int) -> str:
    """The token naming `user_id` answering `post_id`, e.g. `2n9c-7ps-k3…` (≤ 45 chars)."""
    return _sign(REPLY_SALT, (int(user_id), int(post_id)))


def verify_reply_token(token: str) -> ReplyToken:
    """(user_id, post_id) named by a reply token; InvalidToken when forged or garbled.

    The token names the person the message was sent to: the inbound pipeline still
    checks that the mail comes from that person (`check_sender`: the sender is not the
    token's owner when a message is forwarded and answered by someone else).
    """
    user_id, post_id = _verify(REPLY_SALT, token, 2)
    return ReplyToken(user_id, post_id)


def bounce_token(delivery_id: int) -> str:
    """The VERP token naming one delivery (RFC 3464 DSNs come back to it)."""
    return _sign(BOUNCE_SALT, (int(delivery_id),))


def verify_bounce_token(token: str) -> int:
    """The Delivery id named by a bounce token; InvalidToken when forged or garbled."""
    (delivery_id,) = _verify(BOUNCE_SALT, token, 1)
    return delivery_id


def answers_token(user_id: int, questionnaire_id: int) -> str:
    """The token naming `user_id` answering questionnaire `questionnaire_id` by mail."""
    return _sign(ANSWERS_SALT, (int(user_id), int(questionnaire_id)))


def verify_answers_token(token: str) -> AnswersToken:
    """(user_id, questionnaire_id) of an answers token; InvalidToken when forged or
    garbled. As for replies, the pipeline still checks that the mail comes from them."""
    user_id, questionnaire_id = _verify(ANSWERS_SALT, token, 2)
    return AnswersToken(user_id, questionnaire_id)


def answers_address(user_id: int, questionnaire_id: int) -> str:
    return f"answers+{answers_token(user_id, questionnaire_id)}@{settings.INTERCOOP_MAIL_DOMAIN}"


def reply_address(user_id: int, post_id: int) -> str:
    return f"reply+{reply_token(user_id, post_id)}@{settings.INTERCOOP_MAIL_DOMAIN}"


def bounce_address(delivery_id: int) -> str:
    return f"bounces+{bounce_token(delivery_id)}@{settings.INTERCOOP_MAIL_DOMAIN}"
