"""The signed link of a "missing testimony" reminder that says "I won't write one".

A TimestampSigner token (HMAC keyed from SECRET_KEY, salt below) naming the session
and the person: it needs no sign-in, cannot be forged, and lasts 60 days.
"""

from __future__ import annotations

from django.core import signing

DECLINE_SALT = "intercoop.testimony.decline"
DECLINE_MAX_AGE = 60 * 24 * 3600


def decline_token(*, session_id: int, user_id: int) -> str:
    return signing.TimestampSigner(salt=DECLINE_SALT).sign(f"{session_id}:{user_id}")


def verify_decline_token(token: str) -> tuple[int, int] | None:
    """(session id, user id), or None for a forged, damaged or expired token."""
    try:
        value = signing.TimestampSigner(salt=DECLINE_SALT).unsign(
            token or "", max_age=DECLINE_MAX_AGE
        )
        session_id, user_id = (int(part) for part in value.split(":"))
    except (signing.BadSignature, ValueError):
        return None
    return session_id, user_id
