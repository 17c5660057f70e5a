"""The contract between the outbound footer and the reply extractor.

Every message the list sends ends with a footer that members' clients quote back (or,
with Outlook, append unquoted below « De : … Objet : »). The extractor recognises it,
wherever it lands, by this shape, which the outbound templates must keep:

    -- ␣                               ← FOOTER_DELIMITER: a line of exactly "-- " (RFC 3676 §4.3)
    Intercoop · <session> …            ← the next line contains FOOTER_MARKER
    <links to the thread, unsubscribe…>

and, in the HTML part, the footer is one element with the class FOOTER_HTML_CLASS, so
that HTML quote detection can drop it too.
"""

FOOTER_DELIMITER = "-- "
FOOTER_MARKER = "Intercoop"
FOOTER_HTML_CLASS = "intercoop-footer"
