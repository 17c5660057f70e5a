"""The organisers' view of inbound mail: what came in, what became of it and why.

Every message the gateway accepted is listed with its status and reason (filters on
both), its trail shown step by step, the raw message downloadable as .eml (staff
only, through the admin's own login), and a "reprocess" action for messages that
made no post: after registering a held sender, adding an address to an account,
unlocking a thread, or fixing a bug.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mailbridge.inbound.errors import StepFailed
from mailbridge.inbound.processing import inbound_process
from mailbridge.inbound.reasons import Reason
from mailbridge.models import InboundMessage


class ReasonFilter(admin.SimpleListFilter):
    title = _("motif")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        used = set(InboundMessage.objects.values_list("reason", flat=True).distinct())
        return [(reason.value, reason.label) for reason in Reason if reason.value in used]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(reason=self.value())
        return queryset


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "received_at",
        "sender_shown",
        "recipients",
        "subject",
        "status",
        "reason_shown",
        "post_link",
    )
    list_filter = ("status", ReasonFilter, "received_at")
    search_fields = ("mail_from", "from_address", "subject", "message_id", "rcpt_tos")
    date_hierarchy = "received_at"
    actions = ("reprocess",)
    list_select_related = ("post",)
    fields = (
        "status",
        "reason_shown",
        "trail_table",
        "post_link",
        "raw_download",
        "received_at",
        "processed_at",
        "attempts",
        "mail_from",
        "rcpt_tos",
        "peer",
        "helo",
        "from_address",
        "sender",
        "subject",
        "message_id",
        "size",
        "original_text",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("expéditeur"))
    def sender_shown(self, obj) -> str:
        return obj.from_address or obj.mail_from or "<>"

    @admin.display(description=_("destinataires"))
    def recipients(self, obj) -> str:
        return ", ".join(obj.rcpt_tos or [])

    @admin.display(description=_("motif"))
    def reason_shown(self, obj) -> str:
        try:
            return f"{Reason(obj.reason).label} ({obj.reason})" if obj.reason else "—"
        except ValueError:
            return obj.reason

    @admin.display(description=_("message publié"))
    def post_link(self, obj):
        if obj.post_id is None:
            return "—"
        return format_html('<a href="{}">#{}</a>', obj.post.get_absolute_url(), obj.post_id)

    @admin.display(description=_("parcours"))
    def trail_table(self, obj):
        if not obj.trail:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    entry.get("step", ""),
                    entry.get("status") or entry.get("outcome", ""),
                    entry.get("reason", ""),
                    entry.get("detail", ""),
                )
                for entry in obj.trail
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("étape"),
            _("décision"),
            _("motif"),
            _("détail"),
            rows,
        )

    @admin.display(description=_("message brut"))
    def raw_download(self, obj):
        url = reverse("admin:mailbridge_inboundmessage_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a> ({} o)', url, _("télécharger (.eml)"), obj.size)

    def get_urls(self):
        raw = path(
            "<int:pk>/raw/",
            self.admin_site.admin_view(self.raw_view),
            name="mailbridge_inboundmessage_raw",
        )
        return [raw, *super().get_urls()]

    def raw_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        message = get_object_or_404(InboundMessage.objects.with_raw(), pk=pk)
        response = HttpResponse(message.raw_bytes(), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{message.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description=_("Traiter de nouveau"), permissions=["change"])
    def reprocess(self, request, queryset):
        done, skipped, failed = [], 0, 0
        for pk, post_id in queryset.values_list("pk", "post_id"):
            if post_id is not None:
                skipped += 1
                continue
            try:
                status = inbound_process(inbound_id=pk, force=True)
            except StepFailed:
                failed += 1
                continue
            done.append(f"#{pk} → {status}")
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message traité de nouveau : %(list)s",
                    "%(count)d messages traités de nouveau : %(list)s",
                    len(done),
                )
                % {"count": len(done), "list": ", ".join(done)},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message déjà publié n'a pas été retraité.",
                    "%(count)d messages déjà publiés n'ont pas été retraités.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message n'a pas pu être traité (voir son parcours).",
                    "%(count)d messages n'ont pas pu être traités (voir leur parcours).",
                    failed,
                )
                % {"count": failed},
                messages.ERROR,
            )
