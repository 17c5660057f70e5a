from mailbridge.models import MailboxHealth


def mailbox_health(request):
    """`mail_suspended_address` when mail to the signed-in person is suspended after
    repeated bounces, for the banner of every page (mailbridge/slots/mail_suspended_banner.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    suspended = MailboxHealth.objects.filter(user=user, suspended_at__isnull=False).exists()
    return {"mail_suspended_address": user.email} if suspended else {}
