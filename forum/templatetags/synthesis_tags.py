"""`{% synthesis_chart figures %}`: a chart question's bars as server-drawn SVG, with
its data table for screen readers (forum/templates/forum/synthesis/_chart.html);
`{% synthesis_charts figures_list %}`: those of a synthesis, each kept in the cache
for as long as its figures do not change (forum.synthesis_fragments)."""

from django import template

from forum.synthesis_fragments import chart_context, charts_html

register = template.Library()


@register.inclusion_tag("forum/synthesis/_chart.html")
def synthesis_chart(figures, projected: bool = False):
    return chart_context(figures, projected)


@register.simple_tag
def synthesis_charts(all_figures):
    return charts_html(all_figures)
