"""Where the quoted history of a reply starts: tables of rules, named per client family.

Three kinds of rule, tried in this order on each unquoted line of a plain-text body:

- separators (separators.py): a line of their own that opens history ("-----Message
  d'origine-----", "---------- Forwarded message ---------", "Début du message réexpédié :",
  Zoho's "---- On … wrote ----", and GroupWise's ">>> Name <addr> 04/07/2007 10:12 >>>",
  tried on the lines starting with ">>>" although they read as quotes);
- header blocks (header_blocks.py): Outlook-style "De : … Envoyé : … À : … Objet :" lines
  (Outlook never quotes the history it appends, so everything from there on is history),
  in a language no rule knows read by their shape (header_shapes.py);
- attributions (attributions.py, with the rules of each language in romance.py,
  germanic.py and others.py): "Le 4 juil. 2007 à 10:12, Hélène <h@x.org> a écrit :", also
  wrapped over two or three lines, with a no-break space (U+00A0) or a narrow no-break
  space (U+202F) before the colon, as French typography and Apple Mail write it.

Each rule has a name (the client family whose wording it matches, for the benchmark and
the trail) and a one-line description. The specific rules come first so that the trail
names the client; the `any_*` rules catch the variants of the same language.
"""

from __future__ import annotations

from mailbridge.inbound.quote_headers.attributions import (
    ATTRIBUTIONS,
    HEADER_ABOVE_POST,
    MAX_WRAP,
    match_attribution,
    match_header_above_post,
    match_quoted_attribution,
)
from mailbridge.inbound.quote_headers.base import Kind, Match, Rule, clean, is_quoted
from mailbridge.inbound.quote_headers.header_blocks import (
    HEADER_BLOCK_DOCS,
    RULE_LINE,
    header_block_end,
    header_fields,
    match_header_block,
    shaped_block_names_the_list,
)
from mailbridge.inbound.quote_headers.separators import (
    GROUPWISE,
    SEPARATORS,
    match_chevron_header,
    match_separator,
)

__all__ = [
    "ATTRIBUTIONS",
    "GROUPWISE",
    "HEADER_ABOVE_POST",
    "HEADER_BLOCK_DOCS",
    "MAX_WRAP",
    "RULE_LINE",
    "SEPARATORS",
    "Kind",
    "Match",
    "Rule",
    "clean",
    "header_block_end",
    "header_fields",
    "is_quoted",
    "match_attribution",
    "match_chevron_header",
    "match_header_above_post",
    "match_header_block",
    "match_quoted_attribution",
    "match_separator",
    "rule_docs",
    "shaped_block_names_the_list",
]


def rule_docs() -> dict[str, str]:
    """Every rule name with its one-line description (for the docs and the bench)."""
    rules = (*SEPARATORS, GROUPWISE, *ATTRIBUTIONS, HEADER_ABOVE_POST)
    docs = {rule.name: rule.doc for rule in rules}
    docs.update(HEADER_BLOCK_DOCS)
    return docs
