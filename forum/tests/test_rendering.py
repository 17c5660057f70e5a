"""Markdown written by organisers and participants becomes safe HTML: CommonMark renders,
script never survives."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from forum.rendering import markdown_to_html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "avant <script>alert(1)</script> après",
        "<SCRIPT SRC=https://evil.example.org/x.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</script>",
    ],
)
def test_a_script_tag_never_survives(text):
    html = markdown_to_html(text)
    assert "<script" not in html.lower()
    assert "</script" not in html.lower()


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found.extend((tag, name, value or "") for name, value in attrs)


def attributes(html: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every attribute in `html`."""
    parser = _Attributes()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    "text",
    [
        '<img src="x" onerror="alert(1)">',
        '<a href="https://exemple.org" onclick="alert(1)">lien</a>',
        '![image](https://exemple.org/x.png" onerror="alert(1))',
        '<div onmouseover="alert(1)">survol</div>',
        "<svg onload=alert(1)>",
        r'[lien](https://exemple.org "titre\" onclick=\"alert(1)")',
    ],
)
def test_event_handlers_never_survive(text):
    for tag, name, _value in attributes(markdown_to_html(text)):
        assert not name.lower().startswith("on"), (tag, name)


@pytest.mark.parametrize(
    "text",
    [
        "[clic](javascript:alert(1))",
        "[clic](JaVaScRiPt:alert(1))",
        "[clic](java&#x09;script:alert(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[clic](vbscript:msgbox(1))",
        "![img](javascript:alert(1))",
        "<javascript:alert(1)>",
    ],
)
def test_dangerous_link_schemes_are_removed(text):
    for tag, name, value in attributes(markdown_to_html(text)):
        if name in ("href", "src"):
            # What a browser would follow: it drops spaces, tabs and newlines in a URL.
            followed = "".join(value.split()).lower()
            assert not followed.startswith(("javascript:", "data:", "vbscript:")), (tag, value)


def test_a_web_link_is_kept_with_nofollow_ugc_noopener():
    html = markdown_to_html("Voir [le site](https://www.intercoop.info/programme).")
    assert '<a href="https://www.intercoop.info/programme" rel="nofollow ugc noopener">' in html
    assert "le site</a>" in html


def test_a_mail_link_is_kept():
    html = markdown_to_html("Écrire à <mailto:orga@intercoop.info>.")
    assert 'href="mailto:orga@intercoop.info"' in html


def test_a_link_cannot_choose_its_own_rel_or_target():
    html = markdown_to_html('<a href="https://exemple.org" rel="opener" target="_top">x</a>')
    assert ("a", "rel", "opener") not in attributes(html)
    assert not [name for _tag, name, _value in attributes(html) if name == "target"]


def test_emphasis_and_strong_render():
    html = markdown_to_html("Un *mot* et un **autre**.")
    assert html.strip() == "<p>Un <em>mot</em> et un <strong>autre</strong>.</p>"


def test_lists_render():
    assert markdown_to_html("- un\n- deux\n").strip() == ("<ul>\n<li>un</li>\n<li>deux</li>\n</ul>")
    assert "<ol>" in markdown_to_html("1. premier\n2. second\n")


def test_inline_code_and_code_blocks_render_escaped():
    html = markdown_to_html("Tapez `<b>` puis :\n\n```\n<script>alert(1)</script>\n```\n")
    assert "<code>&lt;b&gt;</code>" in html
    assert "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>" in html


def test_headings_quotes_and_tables_render():
    html = markdown_to_html("## Le contexte\n\n> citation\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h2>Le contexte</h2>" in html
    assert "<blockquote>" in html
    assert "<table>" in html and "<td>1</td>" in html


def test_french_text_and_typography_are_kept_as_written():
    text = "L'été « coopératif » — œuvre commune… à 100 %"
    assert markdown_to_html(text).strip() == f"<p>{text}</p>"


def test_raw_html_is_shown_as_text_not_markup():
    html = markdown_to_html("<b>gras</b>")
    assert "<b>" not in html
    assert "&lt;b&gt;gras&lt;/b&gt;" in html


@pytest.mark.parametrize("text", ["", None])
def test_nothing_renders_as_nothing(text):
    assert markdown_to_html(text) == ""
