"""The text of a post from the body of a reply: the person's words, without the quoted
history, forwarded headers, signatures or the list's own footer.

No library is good enough alone on real replies (talon, quotequail, mail-parser-reply
and email-reply-parser get too many of them wrong: docs/benchmarks.md, "Reply
extraction" and "Costs behind the code"), so the rules are ours, driven by the corpus
in tests/mail/replies/ and checked on the held-out batches of tests/mail/replies-heldout/,
tests/mail/replies-heldout-2/, -3/, -4/, -5/ and -6/:

0. Quotes written "| " or ": ", with initials ("HM> ", "[HM]> ") or a first name
   ("Bruno> ") are read as "> " quotes (quote_prefixes.py); a line holding only Gmail
   trackers' mark "ᐧ" goes, and so does a webmail's advertisement under a rule of
   underscores (signatures.py), here or, above a reply header, at step 6.
1. History starts at the first separator, Outlook-style header block or reply header
   not followed by "> " lines (quote_headers/, history.py), or, when there is none, at a
   reply header in any language above the post appended unquoted with our footer.
   Everything from there on is history, except answers tagged with the writer's
   initials (« [HC] ») inside it, which make it an inline reply (tagged_answers.py). A
   separator or header block followed by "> " lines is a reply header like the others.
2. A forwarded message (« Message transféré », « Forwarded message », or a header block
   above a message the list did not send) is treated as a message of its own: its
   header block goes, its body is extracted by the same rules and kept, as a Markdown
   quote under the sender's own words if there are any (what is forwarded to a list is
   meant to be read there).
3. The first "-- " line starts the signature (and our footer, footer_marker.py).
4. "> " lines at the end, with the reply header above them, are history.
5. "> " lines left in the middle (inline_quotes.py): an inline reply (the person answers
   point by point between quoted lines, or under a quote cut from the one that follows
   the answer) keeps them as Markdown quotes, so that each answer reads with the
   question it answers; the reply headers go. A bottom-posted reply (one quote at the
   top, or one quote of the whole post with our footer, the answer under it) drops the
   quote: the forum shows the post it answers.
6. Mobile signatures (signatures.py, with a rule drawn right above one) and disclaimers
   (disclaimers.py) at the end, then a contact block under the name (contact_blocks.py)
   go; the sign-off and the name stay.
7. When the text shows no history and an HTML body is given, the HTML markup decides
   (html_quotes.py) and the reply is converted to text (html_text.py).

`extract_reply` never raises: on an unexpected error it returns the text as it came.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from mailbridge.inbound import (
    contact_blocks,
    disclaimers,
    history,
    html_quotes,
    inline_quotes,
    quote_headers,
    signatures,
    tagged_answers,
)
from mailbridge.inbound.footer_marker import FOOTER_MARKER
from mailbridge.inbound.html_text import html_to_text
from mailbridge.inbound.quote_headers import is_quoted
from mailbridge.inbound.quote_prefixes import normalise_quote_prefixes

logger = logging.getLogger(__name__)

_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)
MAX_FORWARD_DEPTH = 3


@dataclass(frozen=True)
class Extracted:
    """The post's text, and what was taken away (None when nothing was)."""

    body: str
    quoted: str | None
    signature: str | None


@dataclass
class _Result:
    body: list[str]
    quoted: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    found_history: bool = False

    def extracted(self) -> Extracted:
        return Extracted(
            body=_tidy(self.body),
            quoted=_tidy(self.quoted) or None,
            signature=_tidy(self.signature) or None,
        )


def extract_reply(text: str, html: str | None = None) -> Extracted:
    """The post's text from a reply's body (`text`, with `html` when the message has one)."""
    return extract_reply_with_rules(text, html)[0]


def extract_reply_with_rules(text: str, html: str | None = None) -> tuple[Extracted, list[str]]:
    """`extract_reply`, and the names of the rules that decided (for the trail and bench)."""
    try:
        result = _extract(text or "")
        if html and not result.found_history:
            cut = html_quotes.cut_history(html)
            from_html = _extract(html_to_text(cut.html)) if cut is not None else None
            # an HTML cut that leaves nothing while the text has words is the markup's
            # mistake (a person's own <blockquote>), not an empty reply
            if from_html is not None and (_tidy(from_html.body) or not _tidy(result.body)):
                from_html.rules.insert(0, cut.rule)
                from_html.found_history = True
                result = from_html
        return result.extracted(), result.rules
    except Exception:  # noqa: BLE001 - a reply is never lost to a bug in the rules
        logger.exception("reply extraction failed; posting the text as received")
        return Extracted(body=(text or "").strip(), quoted=None, signature=None), ["error"]


# ----------------------------------------------------------------------------- steps


def _forwarded_body(tail: list[str], depth: int) -> list[str]:
    """The body of a forwarded message (after its separator), without its header block,
    extracted by the same rules."""
    body = tail[1:]
    if all(is_quoted(line) for line in body if line.strip()):
        body = [inline_quotes.unquote(line) for line in body]  # Apple Mail quotes what it forwards
    start = history.next_content(body, 0)
    if start is None:
        return []
    end = quote_headers.header_block_end(body, start)
    # Zoho closes the forwarded headers with the same rule that opened them
    after = history.next_content(body, end)
    if after is not None and quote_headers.RULE_LINE.match(body[after].strip()):
        end = after + 1
    inner = _extract("\n".join(body[end:]), depth + 1)
    body = _tidy(inner.body)
    return body.split("\n") if body else []


def _extract(text: str, depth: int = 0) -> _Result:
    lines = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = normalise_quote_prefixes(
        [line for line in lines if not signatures.is_tracking_mark(line)]
    )
    result = _Result(body=[])
    ads = signatures.AD_RULE in text
    advert = signatures.advertisement(lines) if ads else None
    if advert is not None:
        result.rules.append("advertisement")
        result.signature = lines[advert[0] : advert[1]]
        lines = lines[: advert[0]] + lines[advert[1] :]
    scan = history.scan(lines, chevrons=">>>" in text, footer=FOOTER_MARKER in text)
    own = lines
    forwarded: list[str] | None = None
    if scan.cut is not None:
        own, tail = lines[: scan.cut.start], lines[scan.cut.start :]
        result.rules.append(scan.cut.rule)
        result.found_history = True
        result.quoted = tail
        if history.is_forward(scan.cut, tail) and depth < MAX_FORWARD_DEPTH:
            forwarded = _forwarded_body(tail, depth)
        elif scan.cut.kind in ("separator", "header_block") and tagged_answers.may_hold(tail):
            answered = tagged_answers.answered_history(lines[history.header_end(lines, scan.cut) :])
            if answered is not None:
                result.rules.append("tagged_answers")
                own = [*own, "", *answered]

    own = _cut_signature(own, scan.attributions, result)
    decided = len(result.rules)
    own = _drop_trailing_quote(own, scan.attributions, result)
    # a quote with no reply header of its own under the person's last words
    quote_below = result.rules[decided:] == ["trailing_quote"]
    own = _settle_inner_quotes(own, scan.attributions, result, quote_below=quote_below)
    own = _cut_trailing_signatures(own, result, ads=ads)

    if forwarded is not None and any(line.strip() for line in forwarded):
        if any(line.strip() for line in own):
            own = [*own, "", *_as_quote(forwarded)]
        else:
            own = forwarded
    result.body = own
    return result


def _cut_signature(
    own: list[str], attributions: list[quote_headers.Match], result: _Result
) -> list[str]:
    """Step 3: the first unquoted "-- " line starts the signature, or our footer. Quoted
    history below a signature (top-posting with a signature) is history, not signature."""
    for i, line in enumerate(own):
        if not is_quoted(line) and signatures.is_delimiter(line):
            footer = signatures.is_product_footer(own, i)
            result.rules.append("product_footer" if footer else "signature_delimiter")
            starts = [m.start for m in attributions if m.start > i]
            starts += [k for k in range(i + 1, len(own)) if is_quoted(own[k])]
            history = min(starts, default=len(own))
            if history < len(own):
                result.found_history = True
                result.quoted = own[history:] + result.quoted
            result.signature = own[i:history] + result.signature
            return own[:i]
    return own


def _drop_trailing_quote(
    own: list[str], attributions: list[quote_headers.Match], result: _Result
) -> list[str]:
    """Step 4: "> " lines at the end (and their reply header) are history."""
    marks = inline_quotes.marks(own, attributions)
    end = len(own)
    while end and marks[end - 1] in "QAB":
        end -= 1
    if "Q" not in marks[end:]:
        return own
    rule = next((m.rule for m in attributions if m.start >= end), None)
    result.rules.append(rule or "trailing_quote")
    result.found_history = True
    result.quoted = own[end:] + result.quoted
    return own[:end]


def _settle_inner_quotes(
    own: list[str],
    attributions: list[quote_headers.Match],
    result: _Result,
    *,
    quote_below: bool,
) -> list[str]:
    """Step 5: quotes left between the person's lines (inline_quotes.py)."""
    settled = inline_quotes.settle(own, attributions, quote_below=quote_below)
    if settled.rule is not None:
        result.rules.append(settled.rule)
        result.found_history = True
        result.quoted = settled.quoted + result.quoted
    return settled.lines


def _cut_trailing_signatures(own: list[str], result: _Result, *, ads: bool) -> list[str]:
    """Step 6: mobile signatures and disclaimers on the last lines, then a contact block.
    `ads`: the text holds a webmail advertisement's rule."""
    while True:
        last = len(own) - 1
        while last >= 0 and not own[last].strip():
            last -= 1
        if last < 0:
            return []
        name = signatures.mobile_signature(own[last])
        cut = signatures.mobile_signature_start(own, last) if name else last
        if name is None:
            cut = disclaimers.disclaimer_start(own[: last + 1])
            name = "disclaimer" if cut is not None else None
        if name is None:
            # a webmail advertisement above a reply header (Yahoo's « --- El …
            # escribió: »): at the end of the person's words once the history is gone
            cut = signatures.advertisement_start(own[: last + 1]) if ads else None
            name = "advertisement" if cut is not None else None
        if name is None:
            break
        result.rules.append(name)
        result.signature = own[cut:] + result.signature
        own = own[:cut]
    start = contact_blocks.contact_block_start(own)
    if start is not None:
        result.rules.append("contact_block")
        result.signature = own[start:] + result.signature
        own = own[:start]
    return own


def _as_quote(lines: list[str]) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in lines]


def _tidy(lines: list[str]) -> str:
    """Right-trim lines, collapse runs of blank lines, drop blank lines at both ends."""
    out: list[str] = []
    for raw in lines:
        line = raw.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
