from django.urls import path

from forum.views import api, api_library, api_networks, api_questionnaire

app_name = "api"

urlpatterns = [
    path("sessions/", api.sessions, name="sessions"),
    path("sessions/<str:slug>/threads/", api.session_threads, name="session_threads"),
    path(
        "sessions/<str:slug>/questionnaire/",
        api_questionnaire.questionnaire,
        name="questionnaire",
    ),
    path(
        "sessions/<str:slug>/questionnaire/results/",
        api_questionnaire.results,
        name="questionnaire_results",
    ),
    path(
        "sessions/<str:slug>/questionnaire/answers/",
        api_questionnaire.answers,
        name="questionnaire_answers",
    ),
    # <str:pk>, not <int:pk>: a malformed id gets the API's JSON 404, not an HTML page.
    path("threads/<str:pk>/", api.thread, name="thread"),
    path("library/", api_library.entries, name="library"),
    path("library/<str:pk>/", api_library.entry, name="library_entry"),
    path("networks/", api_networks.networks, name="networks"),
    path("networks/<str:slug>/", api_networks.network, name="network"),
]
