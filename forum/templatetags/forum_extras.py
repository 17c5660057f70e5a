from django import template
from django.utils.safestring import mark_safe

from forum.rendering import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """Markdown rendered and sanitised (forum.rendering); safe to output as is."""
    return mark_safe(markdown_to_html(text))  # noqa: S308 - sanitised by nh3
