"""The secrets of a questionnaire: the personal link, and the key of an anonymous response.

The personal link
-----------------
`/questionnaires/<token>/` lets a registered person answer without signing in. The
token is `<questionnaire id>.<user id>:<timestamp>:<signature>`, Django's
TimestampSigner (HMAC-SHA256 keyed from SECRET_KEY, salt "intercoop.questionnaire.link"):
it cannot be forged nor turned to another person or questionnaire. It stops working
when the questionnaire closes (the view checks the questionnaire, so a closing date
moved later keeps the links already sent alive), and after LINK_MAX_AGE in any case.

The key of an anonymous response
--------------------------------
An anonymous `Response` holds `key = HMAC-SHA256(K, "<questionnaire id>.<user id>")`
with K derived from SECRET_KEY and the questionnaire's `seal`, a random value kept
in the questionnaire's row. It is how a person finds their own answers again to
change them, from any device, by the link or signed in.

What this guarantees, exactly:

- No query over the database's tables joins a person to an answer: the answer tables
  (`forum_response`, `forum_answer`) hold no person, no respondent id, no timestamp,
  random UUIDs as ids, and a key that cannot be computed from the respondent rows
  without SECRET_KEY (tested by reading the tables, forum/tests/test_questionnaire_anonymity.py).
  The response and the respondent row are written in two transactions, so that not
  even PostgreSQL's `xmin` (the id of the writing transaction) is shared.
- Once the questionnaire closes, its seal is wiped: from then on not even someone
  holding both the database and SECRET_KEY can recompute a key. Those who had
  answered can no longer change their answers, also if it is opened again.

What it does not guarantee:

- While the questionnaire is open, whoever holds both the database and SECRET_KEY
  (the server's operator) can compute the key of each registered person and find
  their response. The server needs that computation to let people edit.
- The database's own bookkeeping records when rows were written (PostgreSQL's
  physical row order and WAL, SQLite's rowid), as do the web server's logs: someone
  with that access who watches answers arrive one by one can relate them to whoever
  answered at that moment. So can anyone comparing the answers before and after one
  person answers, when few people answer.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import NamedTuple

from django.conf import settings
from django.core import signing

LINK_SALT = "intercoop.questionnaire.link"
KEY_SALT = "intercoop.questionnaire.response"
# A safety net only: a link stops working when its questionnaire closes.
LINK_MAX_AGE = 365 * 24 * 3600


class LinkInvalid(Exception):
    """A personal link that was forged, garbled, or is too old (`expired`)."""

    def __init__(self, reason: str, *, expired: bool = False):
        super().__init__(reason)
        self.expired = expired


class PersonalLink(NamedTuple):
    questionnaire_id: int
    user_id: int


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def link_token(*, questionnaire_id: int, user_id: int) -> str:
    return _signer().sign(f"{int(questionnaire_id)}.{int(user_id)}")


def verify_link_token(token: str) -> PersonalLink:
    """The questionnaire and person a token names; LinkInvalid when it is not genuine
    (its signature) or older than LINK_MAX_AGE (`expired=True`)."""
    try:
        value = _signer().unsign(token or "", max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise LinkInvalid(str(error), expired=True) from error
    except signing.BadSignature as error:
        raise LinkInvalid(str(error)) from error
    questionnaire_part, dot, user_part = value.partition(".")
    if not (dot and questionnaire_part.isdigit() and user_part.isdigit()):
        raise LinkInvalid(f"malformed link value {value!r}")
    return PersonalLink(int(questionnaire_part), int(user_part))


def _secrets() -> list[str]:
    # SECRET_KEY_FALLBACKS let people find their answers across a key rotation.
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def response_keys(*, questionnaire, user_id: int) -> list[str]:
    """The keys under which the anonymous response of `user_id` may be stored: the
    current one first, then those of the fallback secrets. Empty once sealed."""
    if not questionnaire.seal:
        return []
    value = f"{questionnaire.pk}.{int(user_id)}".encode()
    keys = []
    for secret in _secrets():
        key = hashlib.sha256(f"{KEY_SALT}{secret}{questionnaire.seal}".encode()).digest()
        keys.append(hmac.new(key, value, hashlib.sha256).hexdigest())
    return keys
