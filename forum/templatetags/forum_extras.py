from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from forum import page_cache
from forum.rendering import markdown_to_html

register = template.Library()


@register.simple_tag(takes_context=True)
def page_not_stored(context) -> str:
    """Where a page shows something of the reader's that no token follows: the page is
    served but not kept in the page cache (forum/page_cache.py)."""
    request = context.get("request")
    if request is not None:
        page_cache.do_not_store(request)
    return ""


@register.filter
def markdown(text: str) -> str:
    """Markdown rendered and sanitised (forum.rendering); safe to output as is."""
    return mark_safe(markdown_to_html(text))  # noqa: S308 - sanitised by nh3


@register.filter
def display_name(user) -> str:
    """The name a person chose to show; never their email address.

    Pages select the profile with the user, so this asks the database nothing.
    """
    if user is None:
        return _("Personne inconnue")
    try:
        return user.profile.display_name
    except ObjectDoesNotExist:
        return user.get_full_name() or _("Participant·e n° %(number)s") % {"number": user.pk}
