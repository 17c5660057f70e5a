"""HTML mail to Markdown text with html2text, read the way mail clients write HTML.

html2text (maintained, pure Python) outputs Markdown, the forum's own format: links,
lists, emphasis and blockquotes survive, and a `<blockquote>` becomes "> " lines that the
plain-text reply rules then recognise. Two adjustments for mail HTML:

- A `<div>` is a line, not a paragraph. Gmail, Apple Mail, Outlook on the web and most
  webmails write one `<div>` per line and `<div><br></div>` for a blank line; Outlook
  desktop does the same with `<p class="MsoNormal">`. Read as paragraphs, every line of a
  reply would become its own paragraph.
- A `<br>` closing a block (`<div>Lars<br></div>`, as Zoho writes every line) adds no
  line in a browser; html2text would add one. It is dropped; `<div><br></div>` stays the
  blank line it is.
- A no-break space written as a character (as lxml writes it when it serialises the
  reply cut from its quote) is given back as the entity, which html2text keeps: Outlook's
  blank paragraphs are `<p class="MsoNormal">&nbsp;</p>`.
- Emphasis is written `*word*` (an underscore does not emphasise inside a word), and no
  space is added between a closing `**` and the comma, colon or semicolon after it (html2text
  adds one, which the reader sees as a stray space).
- The escapes html2text adds at the start of a line ("\\- ", "1\\. ", "\\-- ") are undone:
  a writer who typed "- " at the start of a line in their mail meant a list item, and
  "-- " must stay recognisable as the signature separator.
"""

from __future__ import annotations

import re

import html2text

_LINE_PARAGRAPH_CLASSES = ("MsoNormal",)
# a <br> after text or a closing tag, right before a block's end tag
_BLOCK_END_BR = re.compile(r"((?:[^>\s]|</\w+>)\s*)<br\s*/?>(\s*</(?:div|li|p)>)", re.IGNORECASE)
_LINE_START_ESCAPE = re.compile(r"^(\s*(?:> ?)*)\\(?=[-+]|\d+\\?\.)", re.MULTILINE)
_ESCAPED_DOT = re.compile(r"^(\s*(?:> ?)*\d+)\\\.", re.MULTILINE)
# html2text writes list items as "  * item" (nested: "    * item"); people type "- item"
_LIST_ITEM = re.compile(r"^((?:> ?)*)((?:  )+)\* ", re.MULTILINE)
_ORDERED_ITEM = re.compile(r"^((?:> ?)*)((?:  )+)(\d+\. )", re.MULTILINE)


class _MailHTML2Text(html2text.HTML2Text):
    """html2text with mail's line-per-block habit (see the module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._p_is_line: list[bool] = []  # end tags carry no attributes: remember per <p>

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        line_like = tag == "div"
        if tag == "p" and start:
            classes = attrs.get("class") or ""
            self._p_is_line.append(any(name in classes for name in _LINE_PARAGRAPH_CLASSES))
            line_like = self._p_is_line[-1]
        elif tag == "p":
            line_like = self._p_is_line.pop() if self._p_is_line else False
        if line_like:
            if not self.astack and not self.split_next_td:
                self.pbr()
            return
        super().handle_tag(tag, attrs, start)

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        if self.preceding_stressed and data[:1] in (",", ";", ":", "…", "»", ")"):
            self.preceding_stressed = False  # « **douze places**, » stays as written
        super().handle_data(data, entity_char)


def _converter() -> _MailHTML2Text:
    converter = _MailHTML2Text(bodywidth=0)
    converter.unicode_snob = True  # keep « é ’ » as they are, not ASCII look-alikes
    converter.ignore_images = True  # inline images are attachments, shown separately
    converter.ignore_mailto_links = True  # "Hélène <h@x.org>", as plain-text mail writes it
    converter.single_line_break = False
    converter.emphasis_mark = "*"
    return converter


def html_to_text(html: str) -> str:
    """Markdown text of an HTML mail body; blank-line runs collapsed, lines right-trimmed."""
    html = _BLOCK_END_BR.sub(r"\1\2", html.replace("\u00a0", "&nbsp;"))
    text = _converter().handle(html)
    text = _LINE_START_ESCAPE.sub(r"\1", text)
    text = _ESCAPED_DOT.sub(r"\1.", text)
    text = _LIST_ITEM.sub(lambda m: m.group(1) + m.group(2)[2:] + "- ", text)
    text = _ORDERED_ITEM.sub(lambda m: m.group(1) + m.group(2)[2:] + m.group(3), text)
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line.strip(" >") and out and not out[-1].strip(" >"):
            continue
        out.append(line)
    return "\n".join(out).strip("\n")
