from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("forum.api_urls")),
    path("", include("mailbridge.urls")),
    path("", include("realtime.urls")),
    path("", include("forum.urls")),
]

handler403 = "forum.views.errors.permission_denied"
handler404 = "forum.views.errors.not_found"
handler500 = "forum.views.errors.server_error"
