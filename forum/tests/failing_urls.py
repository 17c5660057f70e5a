"""The site's URLs plus one view that fails, to see the 500 page a reader gets."""

from django.urls import path

from config import urls


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *urls.urlpatterns]
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
