from django.urls import path

from forum import feeds
from forum.views import (
    attachments,
    boards,
    calendar,
    follows,
    organiser,
    pages,
    person_data,
    posts,
    profiles,
    questionnaire_builder,
    questionnaires,
    registration,
    threads,
)
from forum.views import search as search_views

app_name = "forum"

urlpatterns = [
    path("", pages.home, name="home"),
    path("programme/", pages.programme, name="programme"),
    path("programme.ics", calendar.event_ics, name="event_ics"),
    path("sessions/<slug:slug>/", pages.session_detail, name="session"),
    path("sessions/<slug:slug>.ics", calendar.session_ics, name="session_ics"),
    path(
        "sessions/<slug:slug>/questionnaire/",
        questionnaires.answer,
        name="questionnaire_answer",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/brouillon/",
        questionnaires.draft,
        name="questionnaire_draft",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/enregistre/",
        questionnaires.done,
        name="questionnaire_done",
    ),
    path("questionnaires/<str:token>/", questionnaires.answer_by_link, name="questionnaire_link"),
    path(
        "questionnaires/<str:token>/brouillon/",
        questionnaires.draft_by_link,
        name="questionnaire_link_draft",
    ),
    path(
        "questionnaires/<str:token>/enregistre/",
        questionnaires.done_by_link,
        name="questionnaire_link_done",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/",
        questionnaire_builder.build,
        name="questionnaire_build",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/reglages/",
        questionnaire_builder.build_settings,
        name="questionnaire_settings",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/ouvrir/",
        questionnaire_builder.build_state,
        {"action": "open"},
        name="questionnaire_open",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/fermer/",
        questionnaire_builder.build_state,
        {"action": "close"},
        name="questionnaire_close",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/apercu/",
        questionnaire_builder.preview,
        name="questionnaire_preview",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/questions/nouvelle/",
        questionnaire_builder.question_new,
        name="question_new",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/questions/<int:pk>/",
        questionnaire_builder.question_edit,
        name="question_edit",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/questions/<int:pk>/supprimer/",
        questionnaire_builder.question_delete,
        name="question_delete",
    ),
    path(
        "sessions/<slug:slug>/questionnaire/preparer/questions/<int:pk>/deplacer/",
        questionnaire_builder.question_move,
        name="question_move",
    ),
    path("inscription/", registration.registration, name="registration"),
    path("inscription/annuler/", registration.registration_cancel, name="registration_cancel"),
    path("organisation/inscriptions/", organiser.registrations, name="organiser_registrations"),
    path(
        "organisation/inscriptions.csv",
        organiser.registrations_csv,
        name="organiser_registrations_csv",
    ),
    path("recherche/", search_views.search, name="search"),
    path("forums/<slug:slug>/atom/", feeds.board_feed, name="board_feed"),
    path("fils/<int:pk>/atom/", feeds.thread_feed, name="thread_feed"),
    path("forums/", boards.boards, name="boards"),
    path("forums/<slug:slug>/", boards.board, name="board"),
    path("forums/<slug:slug>/nouveau/", boards.thread_new, name="thread_new"),
    path("forums/<slug:key>/suivre/", follows.follow, {"kind": "board"}, name="board_follow"),
    path("forums/<slug:slug>/tout-lu/", boards.board_mark_read, name="board_mark_read"),
    path("fils/<int:pk>/", threads.thread, name="thread"),
    path("fils/<int:pk>/repondre/", threads.post_reply, name="post_reply"),
    path("fils/<int:key>/suivre/", follows.follow, {"kind": "thread"}, name="thread_follow"),
    path("fils/<int:pk>/verrouiller/", threads.thread_lock, name="thread_lock"),
    path("fils/<int:pk>/epingler/", threads.thread_pin, name="thread_pin"),
    path("fils/<int:pk>/deplacer/", threads.thread_move, name="thread_move"),
    path("messages/<int:pk>/modifier/", posts.post_edit, name="post_edit"),
    path("messages/<int:pk>/historique/", posts.post_history, name="post_history"),
    path("messages/<int:pk>/masquer/", posts.post_hide, name="post_hide"),
    path("messages/<int:pk>/afficher/", posts.post_unhide, name="post_unhide"),
    path("personnes/<int:user_id>/", profiles.profile, name="profile"),
    path("compte/mes-donnees/", person_data.my_data, name="my_data"),
    path("compte/mes-donnees.zip", person_data.my_data_export, name="my_data_export"),
    path("pieces-jointes/<int:pk>/<str:filename>", attachments.attachment, name="attachment"),
]
