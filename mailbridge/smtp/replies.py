"""aiosmtpd's own refusals, answered from the one reasons table
(mailbridge/inbound/reasons.py).

aiosmtpd answers a few refusals itself with fixed text and no enhanced status code
(RFC 3463); `AIOSMTPD_REPLIES` maps them to our reasons, so that every refusal a
sender reads comes from the same table and names its enhanced code.
"""

from __future__ import annotations

from mailbridge.inbound.reasons import Reason

AIOSMTPD_REPLIES = {
    "552 Error: Too much mail data": Reason.TOO_BIG,
    "552 Error: message size exceeds fixed maximum message size": Reason.TOO_BIG,
    "500 Line too long (see RFC5321 4.5.3.1.6)": Reason.LINE_TOO_LONG,
}
