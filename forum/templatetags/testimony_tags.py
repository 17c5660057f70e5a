"""The testimony links of the session page: write one, review, settings, booklet."""

from django import template

from forum.models import Testimony, TestimonyStatus
from forum.permissions import is_facilitator
from forum.services.testimonies import can_write_testimony

register = template.Library()


@register.inclusion_tag("forum/testimonies/_session_links.html", takes_context=True)
def testimony_links(context, session):
    user = context["request"].user
    can_write = can_write_testimony(user, session)
    return {
        "session": session,
        "can_write": can_write,
        "written": can_write
        and Testimony.objects.filter(session=session, author=user)
        .exclude(status=TestimonyStatus.REFUSED)
        .exists(),
        "can_review": is_facilitator(user, session),
        "has_published": Testimony.objects.filter(
            session=session, status=TestimonyStatus.PUBLISHED
        ).exists(),
    }
