"""`{% synthesis_chart figures %}`: a chart question's bars as server-drawn SVG, with
its data table for screen readers (forum/templates/forum/synthesis/_chart.html)."""

from django import template

register = template.Library()

ROW = 30  # height of a bar's row, in the SVG's units
LABEL_WIDTH = 190
BAR_SPACE = 230  # the longest bar


@register.inclusion_tag("forum/synthesis/_chart.html")
def synthesis_chart(figures, projected: bool = False):
    rows = [
        {
            "bar": bar,
            "y": index * ROW + 4,
            "text_y": index * ROW + 4 + ROW // 2 + 1,
            "width": round(bar.length * BAR_SPACE / 100, 1),
            "count_x": LABEL_WIDTH + round(bar.length * BAR_SPACE / 100, 1) + 6,
        }
        for index, bar in enumerate(figures.bars)
    ]
    return {
        "figures": figures,
        "rows": rows,
        "height": len(rows) * ROW + 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": ROW - 8,
        "label_x": LABEL_WIDTH - 8,
        "projected": projected,
    }
