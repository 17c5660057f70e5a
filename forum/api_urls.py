from django.urls import path

from forum.views import api

app_name = "api"

urlpatterns = [
    path("sessions/", api.sessions, name="sessions"),
    path("sessions/<str:slug>/threads/", api.session_threads, name="session_threads"),
    # <str:pk>, not <int:pk>: a malformed id gets the API's JSON 404, not an HTML page.
    path("threads/<str:pk>/", api.thread, name="thread"),
]
