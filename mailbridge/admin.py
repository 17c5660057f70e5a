"""The outbox in the admin: what waits, what went, what failed and why; retry.

Rows are written by the fan-out and changed by the sender only: nothing here adds
or edits one by hand. "Retry now" puts failed or waiting deliveries back in the
queue, due at once, and wakes the workers after the commit.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mailbridge.models import Delivery, DeliveryStatus
from mailbridge.outbound.fanout import outbox_wake

RETRYABLE = (DeliveryStatus.FAILED, DeliveryStatus.PENDING)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "key",
        "address",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "smtp_code",
        "short_error",
    )
    list_filter = ("status", "kind")
    search_fields = ("address", "key")
    ordering = ("-id",)
    date_hierarchy = "created_at"
    list_select_related = ()
    show_full_result_count = False
    raw_id_fields = ("recipient", "post")
    readonly_fields = [field.name for field in Delivery._meta.fields]
    actions = ["retry_now"]

    @admin.display(description=_("dernière erreur"))
    def short_error(self, delivery: Delivery) -> str:
        return Truncator(delivery.last_error).chars(80)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Réessayer maintenant"), permissions=["change"])
    def retry_now(self, request, queryset):
        skipped = queryset.exclude(status__in=RETRYABLE).count()
        with transaction.atomic():
            count = queryset.filter(status__in=RETRYABLE).update(
                status=DeliveryStatus.PENDING,
                next_attempt_at=timezone.now(),
                attempts=0,
                claimed_by="",
                last_error="",
                smtp_code=None,
            )
            if count:
                transaction.on_commit(lambda: outbox_wake(deliveries=count))
        self.message_user(
            request,
            ngettext(
                "%(count)d envoi remis en file d'attente.",
                "%(count)d envois remis en file d'attente.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d envoi déjà parti ou en cours n'a pas été touché.",
                    "%(count)d envois déjà partis ou en cours n'ont pas été touchés.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def changelist_view(self, request, extra_context=None):
        counts = dict(Delivery.objects.values_list("status").annotate(n=Count("id")).order_by())
        extra_context = {
            **(extra_context or {}),
            "status_counts": [
                (status, label, counts.get(status, 0)) for status, label in DeliveryStatus.choices
            ],
        }
        return super().changelist_view(request, extra_context=extra_context)


from mailbridge.inbound import admin as _inbound_admin  # noqa: E402, F401 - received mail
