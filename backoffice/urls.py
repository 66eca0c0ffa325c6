from django.urls import path

from . import views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("utenti/", views.users, name="users"),
    path("utenti/<uuid:uid>/", views.user_detail, name="user"),
    path("utenti/<uuid:uid>/reinvia-conferma/", views.resend_confirmation, name="resend"),
    path("utenti/<uuid:uid>/blocca/", views.set_blocked, {"block": True}, name="block"),
    path("utenti/<uuid:uid>/sblocca/", views.set_blocked, {"block": False}, name="unblock"),
    path("intestatari/", views.holders, name="holders"),
    path("flussi/", views.feeds, name="feeds"),
    path("flussi/<uuid:uid>/", views.feed, name="feed"),
    path(
        "utenze/<path:service_code>/collegamenti/<uuid:link_uid>/rimuovi/",
        views.contract_unlink,
        name="contract_unlink",
    ),
    # After the longer route: <path:> would swallow it (service codes may contain "/").
    path("utenze/<path:service_code>/", views.contract, name="contract"),
]
