from django.urls import path

from realtime import views

app_name = "realtime"

urlpatterns = [
    path("sessions/<slug:slug>/live/", views.session_live, name="session_live"),
    path("sessions/<slug:slug>/live/etat/", views.session_state, name="session_state"),
    path("sessions/<slug:slug>/live/notes/", views.session_note, name="session_note"),
    path("sessions/<slug:slug>/live/ecrire/", views.session_post, name="session_post"),
]
