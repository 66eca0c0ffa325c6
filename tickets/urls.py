from django.urls import path

from . import staff_views, views

app_name = "tickets"
urlpatterns = [
    path("richieste/", views.ticket_list, name="list"),
    path("richieste/nuova/", views.ticket_new, name="new"),
    path("richieste/allegati/<uuid:uid>/", views.attachment, name="attachment"),
    path("richieste/<uuid:uid>/", views.ticket_detail, name="detail"),
    # The back-office's pages, under its prefix (the backoffice app has no such routes).
    path("backoffice/richieste/", staff_views.queue, name="staff_queue"),
    path("backoffice/statistiche-richieste/", staff_views.statistics, name="staff_statistics"),
    path(
        "backoffice/richieste/allegati/<uuid:uid>/",
        staff_views.attachment,
        name="staff_attachment",
    ),
    path("backoffice/richieste/<uuid:uid>/", staff_views.detail, name="staff_detail"),
    path("backoffice/richieste/<uuid:uid>/prendi/", staff_views.take, name="staff_take"),
    path("backoffice/richieste/<uuid:uid>/assegna/", staff_views.assign, name="staff_assign"),
    path("backoffice/richieste/<uuid:uid>/nota/", staff_views.note, name="staff_note"),
    path("backoffice/richieste/<uuid:uid>/rispondi/", staff_views.answer, name="staff_answer"),
    path("backoffice/richieste/<uuid:uid>/chiudi/", staff_views.close, name="staff_close"),
]
