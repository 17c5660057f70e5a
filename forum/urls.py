from django.urls import path

from forum.views import calendar, organiser, pages, registration

app_name = "forum"

urlpatterns = [
    path("", pages.home, name="home"),
    path("programme/", pages.programme, name="programme"),
    path("programme.ics", calendar.event_ics, name="event_ics"),
    path("sessions/<slug:slug>/", pages.session_detail, name="session"),
    path("sessions/<slug:slug>.ics", calendar.session_ics, name="session_ics"),
    path("inscription/", registration.registration, name="registration"),
    path("inscription/annuler/", registration.registration_cancel, name="registration_cancel"),
    path("organisation/inscriptions/", organiser.registrations, name="organiser_registrations"),
    path(
        "organisation/inscriptions.csv",
        organiser.registrations_csv,
        name="organiser_registrations_csv",
    ),
]
