from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from forum import services
from forum.errors import UserError
from forum.models import (
    Event,
    LibraryEntry,
    LibraryTag,
    Network,
    Profile,
    Registration,
    Session,
    SessionSegment,
    Theme,
)
from forum.views.organiser import registrations_csv_response


class SessionSegmentInline(admin.StackedInline):
    model = SessionSegment
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_on", "ends_on", "registration_open")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "date", "state", "is_private")
    list_filter = ("event", "state")
    inlines = [SessionSegmentInline]
    filter_horizontal = ("facilitator_users",)


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "region", "website", "created_at")
    list_filter = ("status", "themes")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("referents", "themes")
    actions = ["approve"]

    @admin.action(description=_("Approuver (forum et liste du réseau)"))
    def approve(self, request, queryset):
        for network in queryset:
            try:
                services.network_approve(network=network, organiser=request.user)
            except UserError as error:
                self.message_user(request, f"{network}: {error}", level="error")


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(LibraryEntry)
class LibraryEntryAdmin(admin.ModelAdmin):
    """Entries are written through the site (forum.services.library: their thread,
    their file); here organisers read them and hide or show them."""

    list_display = ("title", "licence", "proposed_by", "created_at", "is_hidden")
    list_filter = ("is_hidden", "licence", "tags", "networks")
    search_fields = ("title", "description")
    readonly_fields = (
        "description",
        "description_html",
        "thread",
        "file",
        "proposed_by",
        "hidden_by",
    )
    filter_horizontal = ("networks", "tags")


@admin.register(LibraryTag)
class LibraryTagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("user", "network", "role", "requested_role", "status", "created_at")
    list_filter = ("event", "status", "role", "requested_role", "sessions")
    search_fields = ("user__email", "user__profile__display_name", "network__name")
    autocomplete_fields = ("network",)
    actions = ["export_csv", "grant_requested_role"]

    @admin.action(description=_("Exporter en CSV (tableur)"))
    def export_csv(self, request, queryset):
        registrations = (
            queryset.select_related("user", "user__profile", "network")
            .prefetch_related("sessions")
            .order_by("created_at")
        )
        return registrations_csv_response(filename="inscriptions.csv", registrations=registrations)

    @admin.action(description=_("Accorder le rôle demandé"))
    def grant_requested_role(self, request, queryset):
        count = 0
        for registration in queryset:
            if registration.has_pending_request:
                services.registration_grant_requested_role(registration=registration)
                count += 1
        self.message_user(
            request,
            ngettext("%d inscription mise à jour.", "%d inscriptions mises à jour.", count) % count,
        )


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "network", "language", "mail_delivery")
    search_fields = ("display_name", "user__email")
