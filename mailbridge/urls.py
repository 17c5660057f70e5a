from django.urls import path

from mailbridge import views
from mailbridge.bridge import views as bridge_views
from mailbridge.inbound import views as inbound_views

app_name = "mailbridge"

urlpatterns = [
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("abonnements/", views.subscriptions, name="subscriptions"),
    path("abonnements/reprendre-les-courriels/", views.mail_resume, name="mail_resume"),
    path(
        "listes/confirmer/<str:token>/",
        inbound_views.list_command_confirm,
        name="list_command_confirm",
    ),
    path("messages/<int:pk>/original/", inbound_views.post_original, name="post_original"),
    path("reseaux/<slug:slug>/passerelle/", bridge_views.bridge_page, name="bridge"),
    path(
        "reseaux/<slug:slug>/passerelle/messages/<int:pk>/traite/",
        bridge_views.bridge_admin_handled,
        name="bridge_admin_handled",
    ),
    path(
        "reseaux/<slug:slug>/passerelle/retirer/",
        bridge_views.bridge_remove,
        name="bridge_remove",
    ),
]
