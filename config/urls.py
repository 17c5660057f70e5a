from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("forum.api_urls")),
    path("", include("forum.urls")),
    path("", include("mailbridge.urls")),
    path("", include("realtime.urls")),
]

handler403 = "forum.views.errors.permission_denied"
handler404 = "forum.views.errors.not_found"
handler500 = "forum.views.errors.server_error"
