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
- Bold set by a style (`<span style="font-weight:bold">`, as Yahoo and other webmails
  write it) is bold, as `<b>` is.
- Word's lists (Outlook desktop): each item is a `<p class="MsoListParagraph">` whose
  bullet or number is text inside an `<![if !supportLists]>` block; a run of them is read
  as the `<ul>` or `<ol>` it shows.
- A link whose text is its own address is written as the bare address (html2text writes
  `<http://…>`), and no-break spaces as spaces: the text reads as the writer typed it.
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
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>")
# Word's list paragraphs, and the bullet or number Word writes as text before each item
_WORD_LIST_ITEM = re.compile(
    r"<p\b[^>]*\bclass=[\"']?MsoListParagraph\w*[\"']?[^>]*>(.*?)</p>", re.IGNORECASE | re.DOTALL
)
_WORD_LIST_MARKER = re.compile(
    r"<!\[if !supportLists\]>(.*?)<!\[endif\]>", re.IGNORECASE | re.DOTALL
)
_NUMBERED = re.compile(r"\s*(?:\d+|[a-z])[.)]")
_TAG = re.compile(r"<[^>]*>")


class _MailHTML2Text(html2text.HTML2Text):
    """html2text with mail's line-per-block habit (see the module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._p_is_line: list[bool] = []  # end tags carry no attributes: remember per <p>
        self._span_is_bold: list[bool] = []  # the same per <span>
        self._bold_depth = 0

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if tag in ("b", "strong"):
            self._bold_depth += 1 if start else -1
        elif tag == "span":
            self._bold_span(attrs, start)
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

    def _bold_span(self, attrs: dict[str, str | None], start: bool) -> None:
        """A span made bold by its style, outside any <b>, is written as a <b>."""
        if start:
            bold = self._bold_depth == 0 and bool(_BOLD_STYLE.search(attrs.get("style") or ""))
            self._span_is_bold.append(bold)
        else:
            bold = self._span_is_bold.pop() if self._span_is_bold else False
        if bold:
            self._bold_depth += 1 if start else -1
            super().handle_tag("b", {}, start)

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


def _word_lists(html: str) -> str:
    """Each run of Word's list paragraphs as a <ul> or <ol> of <li>."""
    items = list(_WORD_LIST_ITEM.finditer(html))
    if not items:
        return html
    out, position, run = [], 0, []
    for k, item in enumerate(items):
        run.append(item)
        following = items[k + 1] if k + 1 < len(items) else None
        if following is not None and not html[item.end() : following.start()].strip():
            continue
        marker = _WORD_LIST_MARKER.search(run[0].group(1))
        marker_text = _TAG.sub("", marker.group(1)) if marker else ""
        kind = "ol" if _NUMBERED.match(marker_text) else "ul"
        body = "".join(f"<li>{_WORD_LIST_MARKER.sub('', one.group(1))}</li>" for one in run)
        out += [html[position : run[0].start()], f"<{kind}>{body}</{kind}>"]
        position, run = item.end(), []
    out.append(html[position:])
    return "".join(out)


def html_to_text(html: str) -> str:
    """Markdown text of an HTML mail body; blank-line runs collapsed, lines right-trimmed."""
    html = _BLOCK_END_BR.sub(r"\1\2", html.replace("\u00a0", "&nbsp;"))
    if "MsoListParagraph" in html:
        html = _word_lists(html)
    text = _converter().handle(html)
    text = _AUTOLINK.sub(r"\1", text).replace("\u00a0", " ")
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
