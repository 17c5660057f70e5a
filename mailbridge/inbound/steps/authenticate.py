"""authenticate: trust the verdicts of our own upstream mail server on the sender.

The gateway does no DKIM/SPF/DMARC checks itself: the MTA in front of it (the one the
MX record names) does, and writes `Authentication-Results` (RFC 8601) on top of the
message with its authserv-id. Only that topmost header, and only when its
authserv-id is one the operator named in INTERCOOP_TRUSTED_AUTHSERV_IDS, is
believed: anyone can write such a header further down, or with another id (RFC 8601
§5 asks the MTA to remove headers claiming its own id that came from outside).

Held for moderation (not posted under a name the sender may have forged):

- `dmarc=fail` for the From domain;
- without a DMARC verdict: a DKIM or SPF failure, with no DKIM or SPF pass for a
  domain aligned with the From domain (RFC 7489 §3.1, relaxed alignment).

Mail from a bridged list (`bridge+<network-slug>@`) is judged for the list's domain,
not its author's: a list re-sends the message, and says so by its own DKIM signature
or the SPF of its bounce address; its author's DMARC often fails on the way, which
is why lists rewrite the From. A list message that fails for the list's domain, with
nothing aligned to it passing, may be anyone's writing its List-Id: held.

Parsed with the `authres` library (RFC 8601 syntax, comments, quoted values).
"""

from __future__ import annotations

import authres
from django.conf import settings

from mailbridge.addresses import AddressKind
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.reasons import Reason


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment, approximated without the public suffix list: the same
    domain, or one a subdomain of the other."""
    domain = domain.lower().strip(".").rpartition("@")[2]
    from_domain = from_domain.lower().strip(".")
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or domain.endswith("." + from_domain)
        or from_domain.endswith("." + domain)
    )


def _property(result, *names: str) -> str:
    for prop in result.properties:
        if f"{prop.type}.{prop.name}".lower() in names:
            return str(prop.value or "")
    return ""


def verdict(header_value: str, from_domain: str) -> tuple[str, str]:
    """("fail" | "pass" | "none", explanation) for one Authentication-Results value."""
    parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {header_value}")
    results = {"dmarc": [], "dkim": [], "spf": []}
    for result in parsed.results:
        method = str(result.method).lower()
        if method in results:
            results[method].append(result)
    for result in results["dmarc"]:
        domain = _property(result, "header.from") or from_domain
        if aligned(domain, from_domain):
            outcome = str(result.result).lower()
            if outcome == "fail":
                return "fail", f"dmarc=fail for {domain}"
            if outcome == "pass":
                return "pass", f"dmarc=pass for {domain}"
    dkim_pass = any(
        str(r.result).lower() == "pass"
        and aligned(_property(r, "header.d", "header.i"), from_domain)
        for r in results["dkim"]
    )
    spf_pass = any(
        str(r.result).lower() == "pass"
        and aligned(_property(r, "smtp.mailfrom", "smtp.helo"), from_domain)
        for r in results["spf"]
    )
    if dkim_pass or spf_pass:
        return "pass", "aligned " + ("dkim" if dkim_pass else "spf") + "=pass"
    failed = [
        method
        for method in ("dkim", "spf")
        if any(str(r.result).lower() in ("fail", "permerror") for r in results[method])
    ]
    if failed:
        return "fail", "+".join(failed) + " failed, nothing aligned passed"
    return "none", "no verdict on the From domain"


def step(ctx: InboundContext) -> Outcome:
    kinds = (AddressKind.REPLY, AddressKind.LIST, AddressKind.ANSWERS, AddressKind.BRIDGE)
    if ctx.route.kind not in kinds:
        return Outcome.go_on("list command: the confirmation mail is the check")
    trusted = {name.lower() for name in settings.INTERCOOP_TRUSTED_AUTHSERV_IDS}
    headers = ctx.message.get_all("Authentication-Results") or []
    if not trusted or not headers:
        return Outcome.go_on("no trusted Authentication-Results to read")
    top = " ".join(str(headers[0]).split())
    authserv_id = top.split(";", 1)[0].strip().split()[0].lower() if top.strip() else ""
    if authserv_id not in trusted:
        return Outcome.go_on(f"top Authentication-Results by {authserv_id!r}, not trusted")
    if ctx.route.kind is AddressKind.BRIDGE:
        from_domain = ctx.bridge.list_address.rpartition("@")[2]  # the list vouches
    else:
        from_domain = ctx.from_address.rpartition("@")[2]
    try:
        result, why = verdict(top, from_domain)
    except Exception as exc:  # noqa: BLE001 - a header our MTA wrote but authres cannot read
        return Outcome.go_on(f"unreadable Authentication-Results ({type(exc).__name__})")
    if result == "fail":
        return Outcome.found(Reason.AUTHENTICATION_FAILED, f"{authserv_id}: {why}")
    return Outcome.go_on(f"{authserv_id}: {why}")
