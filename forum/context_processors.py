from forum.selectors import event_current


def event(request):
    """The current event, for the header and footer of every page."""
    return {"current_event": event_current()}
