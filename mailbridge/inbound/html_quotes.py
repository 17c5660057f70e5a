"""Quoted history in HTML mail, found by the markup each client family writes.

Used when the plain text gave no sign of history (an HTML-only Outlook reply converted
to text has no "> " and may lose its « De : » layout). Each rule names the element that
opens the history; the reply is everything before it, in document order.

quotequail's `quote_html` was tried as a last resort after these rules: on the corpus it
never decided anything the text rules and these had not (docs/benchmarks.md), so it is
not a dependency.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from mailbridge.inbound.footer_marker import FOOTER_HTML_CLASS

logger = logging.getLogger(__name__)

_OUTLOOK_BORDER = re.compile(r"border-top:\s*solid\s+#(?:E1E1E1|B5C4DF)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlRule:
    name: str
    xpath: str
    doc: str


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


HTML_RULES: tuple[HtmlRule, ...] = (
    HtmlRule(
        "product_footer",
        f"//*[{_has_class(FOOTER_HTML_CLASS)}]",
        "Our own footer (footer_marker.py), quoted back in any client.",
    ),
    HtmlRule(
        "gmail_html",
        "//div[starts-with(@class, 'gmail_quote') or "
        f"{_has_class('gmail_quote')} or {_has_class('gmail_quote_container')}]",
        'Gmail (web, Android): <div class="gmail_quote"> holds the attribution and quote.',
    ),
    HtmlRule(
        "outlook_web_html",
        "//*[@id='divRplyFwdMsg' or @id='x_divRplyFwdMsg']",
        'Outlook on the web, new Outlook, Outlook mobile: <div id="divRplyFwdMsg">.',
    ),
    HtmlRule(
        "thunderbird_html",
        f"//div[{_has_class('moz-cite-prefix')}]",
        'Thunderbird: <div class="moz-cite-prefix"> then <blockquote type="cite">.',
    ),
    HtmlRule(
        "yahoo_html",
        f"//div[{_has_class('yahoo_quoted')}]",
        'Yahoo Mail: <div class="yahoo_quoted">.',
    ),
    HtmlRule(
        "proton_html",
        f"//div[{_has_class('protonmail_quote')}]",
        'Proton Mail: <div class="protonmail_quote">.',
    ),
    HtmlRule(
        "zimbra_html",
        "//hr[@id='zwchr']",
        'Zimbra (Free, universities): <hr id="zwchr"> above the original.',
    ),
    HtmlRule(
        "zoho_html",
        f"//div[{_has_class('zmail_extra_hr')} or {_has_class('zmail_extra')}]",
        'Zoho Mail: <div class="zmail_extra_hr"> (a rule) then <div class="zmail_extra">.',
    ),
    HtmlRule(
        "gmx_html",
        "//div[@name='quote']",
        'GMX and WEB.DE: <div name="quote"> holds the header block and the quote.',
    ),
    HtmlRule(
        "apple_mail_html",
        "//blockquote[@type='cite']",
        'Apple Mail, Roundcube, SOGo: <blockquote type="cite">.',
    ),
)


@dataclass(frozen=True)
class HtmlCut:
    rule: str
    html: str  # the reply: the document up to the history


def _parse(html: str) -> etree._Element | None:
    html = _XML_DECLARATION.sub("", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _outlook_desktop(tree: etree._Element) -> etree._Element | None:
    """Outlook desktop: the header block sits in a div with a grey top border."""
    for element in tree.iter("div"):
        if _OUTLOOK_BORDER.search(element.get("style") or ""):
            return element
    return None


def _cut_from(element: etree._Element) -> None:
    """Remove `element` and everything after it in document order."""
    node = element
    while node is not None and node.getparent() is not None:
        parent = node.getparent()
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node.tail = None
        node = parent
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _first(tree: etree._Element) -> tuple[str, etree._Element] | None:
    found: list[tuple[int, str, etree._Element]] = []
    order = {element: index for index, element in enumerate(tree.iter())}
    for rule in HTML_RULES:
        elements = tree.xpath(rule.xpath)
        if elements:
            found.append((order.get(elements[0], 0), rule.name, elements[0]))
    outlook = _outlook_desktop(tree)
    if outlook is not None:
        found.append((order.get(outlook, 0), "outlook_desktop_html", outlook))
    if not found:
        return None
    _index, name, element = min(found, key=lambda item: item[0])
    if name == "outlook_web_html":
        # OWA puts an <hr> (and an empty "appendonsend" div) just above the header div
        previous = element.getprevious()
        if previous is not None and previous.tag == "hr":
            element = previous
    return name, element


def cut_history(html: str) -> HtmlCut | None:
    """The HTML before the quoted history, and the rule that found it; None if no rule
    found any. Never raises."""
    try:
        tree = _parse(html)
        if tree is None:
            return None
        first = _first(tree)
        if first is not None:
            name, element = first
            _cut_from(element)
            return HtmlCut(name, lxml.html.tostring(tree, encoding="unicode"))
    except Exception:  # noqa: BLE001 - broken markup must never stop a post
        logger.warning("HTML quote detection failed; using the text part", exc_info=True)
    return None
