from django.urls import path

from forum.views import api

app_name = "api"

urlpatterns = [
    path("sessions/", api.sessions, name="sessions"),
]
