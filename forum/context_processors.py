from django.conf import settings

from forum.selectors import event_current


def event(request):
    """The current event and the organisers' address, for the header and footer of
    every page."""
    return {"current_event": event_current(), "contact_email": settings.INTERCOOP_CONTACT_EMAIL}
