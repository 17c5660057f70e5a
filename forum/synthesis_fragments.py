"""The synthesis's charts and free-text lists, rendered once per content and reused.

The synthesis page is rendered again every few seconds (forum.views.synthesis) and its
live pushes once a second while answers come (realtime), each time from figures read
afresh. Most of what they draw has not changed since the last time: a chart whose
counts are the same, the same free texts. So each chart (forum/synthesis/_chart.html)
and the list of free texts (forum/synthesis/_texts.html) are kept in Django's cache
under a digest of all they show — the question's number and wording, each bar's
label, count, share and length, the mean and median; the texts and their totals —
with the language and the release of the code and templates (forum.page_cache.release).
A changed answer changes a count or a text, hence the key: the fragment is drawn anew
and no stale one can be found. No token to replace, no signal to miss.

A cache that fails is skipped: the fragments are rendered as if not cached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language

from forum import page_cache

logger = logging.getLogger(__name__)

CHART_TEMPLATE = "forum/synthesis/_chart.html"
TEXTS_TEMPLATE = "forum/synthesis/_texts.html"
# A digest names one content for good; the time only bounds the room they take.
KEEP_SECONDS = 600

# A chart's geometry, in the SVG's units.
ROW = 30  # height of a bar's row
LABEL_WIDTH = 190
BAR_SPACE = 230  # the longest bar


def _key(kind: str, content: tuple) -> str:
    language = get_language() or settings.LANGUAGE_CODE
    digest = hashlib.blake2b(repr((language, content)).encode(), digest_size=16).hexdigest()
    return f"synthesis-fragment:{page_cache.release()}:{kind}:{digest}"


def chart_content(figures, projected: bool = False) -> tuple:
    """All that forum/synthesis/_chart.html shows of `figures` (QuestionFigures)."""
    question = figures.question
    return (
        projected,
        question.pk,
        question.kind,
        str(question.local_text),
        figures.answered,
        figures.mean,
        figures.median,
        tuple((str(bar.label), bar.count, bar.percent, bar.length) for bar in figures.bars),
    )


def texts_content(text_answers) -> tuple:
    """All that forum/synthesis/_texts.html shows of unfiltered `text_answers`."""
    return tuple(
        (group.question.pk, str(group.question.local_text), group.total, tuple(group.texts))
        for group in text_answers
    )


def chart_context(figures, projected: bool = False) -> dict:
    """The context of forum/synthesis/_chart.html: where each bar and its texts go.
    Numbers are given as text already, as the SVG needs them (never localised: a
    French "12,5" would break an attribute), and each bar's values flat, so the
    template looks up no chain of attributes."""
    rows = []
    for index, bar in enumerate(figures.bars):
        width = round(bar.length * BAR_SPACE / 100, 1)
        rows.append(
            {
                "label": bar.label,
                "short_label": Truncator(bar.label).chars(30),
                "count": str(bar.count),
                "percent": str(bar.percent),
                "y": str(index * ROW + 4),
                "text_y": str(index * ROW + 4 + ROW // 2 + 1),
                "width": str(width),
                "count_x": str(LABEL_WIDTH + width + 6),
            }
        )
    return {
        "figures": figures,
        "rows": rows,
        "height": str(len(rows) * ROW + 8),
        "bar_x": str(LABEL_WIDTH),
        "bar_height": str(ROW - 8),
        "label_x": str(LABEL_WIDTH - 8),
        "bar_class": "chart-bar chart-bar-scale" if figures.is_scale else "chart-bar",
        "projected": projected,
    }


def _cached(items: Sequence[tuple[str, tuple]], render) -> list[str]:
    """render(index) for each (kind, content) of `items`, from the cache where found."""
    keys = [_key(kind, content) for kind, content in items]
    try:
        found = cache.get_many(keys) if keys else {}
    except Exception:
        logger.warning("synthesis fragments: cache unavailable; rendering", exc_info=True)
        return [render(index) for index in range(len(items))]
    html, missing = [], {}
    for index, key in enumerate(keys):
        stored = found.get(key)
        if stored is None:
            stored = missing[key] = render(index)
        html.append(stored)
    if missing:
        try:
            cache.set_many(missing, KEEP_SECONDS)
        except Exception:
            logger.warning("synthesis fragments: could not store %d", len(missing), exc_info=True)
    return html


def charts_html(all_figures: Sequence) -> SafeString:
    """The charts of `all_figures` (QuestionFigures), one after the other."""
    items = [("chart", chart_content(figures)) for figures in all_figures]
    html = _cached(
        items, lambda index: render_to_string(CHART_TEMPLATE, chart_context(all_figures[index]))
    )
    return mark_safe("".join(html))


def texts_html(text_answers: Sequence) -> SafeString:
    """forum/synthesis/_texts.html for the unfiltered free texts (the block the live
    pushes replace, with its id)."""
    context = {"text_answers": text_answers, "texts_filtered": False}
    [html] = _cached(
        [("texts", texts_content(text_answers))],
        lambda _index: render_to_string(TEXTS_TEMPLATE, context),
    )
    return mark_safe(html)
