import unicodedata

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from forum import avatars, localized, page_cache, slots
from forum.models.guest import guest_label
from forum.rendering import html_to_text, markdown_to_html

register = template.Library()


class SlotNode(template.Node):
    def __init__(self, name: str):
        self.name = name

    def render(self, context) -> str:
        return slots.slot_render(self.name, context)


@register.tag
def slot(parser, token) -> SlotNode:
    """`{% slot "thread.end" %}`: what the other apps show at that place of the page
    (forum/slots.py). An unknown name fails when the template is compiled."""
    bits = token.split_contents()
    quoted = len(bits) == 2 and len(bits[1]) > 2 and bits[1][0] == bits[1][-1] in "\"'"
    if not quoted:
        raise template.TemplateSyntaxError('{% slot "name" %} takes one quoted slot name')
    try:
        return SlotNode(slots.slot_check(bits[1][1:-1]))
    except LookupError as exc:
        raise template.TemplateSyntaxError(str(exc)) from None


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
def elides(name: str) -> bool:
    """Whether French elides "de" before `name` ("d'Intercoop", "de Coop 2007"): a
    name beginning with a vowel sound (a mute h is not told apart, so h is not)."""
    first = unicodedata.normalize("NFD", (name or "").strip()[:1])[:1].lower()
    return first in {"a", "e", "i", "o", "u"}


@register.filter
def excerpt(post, length: int = 240) -> str:
    """A post as one line of plain text made from its rendered HTML (no Markdown
    markers, no quoted passages), cut at `length` characters."""
    return Truncator(html_to_text(post.body_html)).chars(length)


@register.filter
def display_name(user) -> str:
    """The name a person chose to show; never their email address.

    Pages select the profile with the user, so this asks the database nothing.
    """
    if user is None:
        return _("Personne inconnue")
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        return user.get_full_name() or _("Participant·e n° %(number)s") % {"number": user.pk}
    return guest_label(profile.display_name) if profile.is_guest else profile.display_name


@register.filter
def shown(obj, field: str) -> str:
    """The organisers' text `field` of `obj` in the reader's language (forum.localized)."""
    return localized.shown(obj, field)


def _avatar_url(user) -> str:
    return reverse("forum:avatar", kwargs={"user_id": user.pk}) if user is not None else ""


@register.simple_tag
def avatar(user, size: int = 32) -> str:
    """The person's avatar (forum.avatars): their picture, else their initials."""
    return avatars.avatar_html(user, size=size, url=_avatar_url(user))


@register.simple_tag
def avatar_mail(user, site_url: str = "") -> str:
    """The person's avatar in a mail's HTML part (absolute URL to their picture)."""
    return avatars.avatar_mail_html(user, url=site_url + _avatar_url(user))


@register.filter
def network_name(user) -> str:
    """The network a person shows beside their name (none: empty)."""
    try:
        network = user.profile.network
    except (AttributeError, ObjectDoesNotExist):
        return ""
    return network.name if network is not None else ""
