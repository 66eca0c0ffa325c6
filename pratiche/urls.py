from django.urls import path

from . import staff_views, views

app_name = "pratiche"
urlpatterns = [
    path("", views.pratiche_list, name="list"),
    path("nuova/", views.catalogue, name="catalogue"),
    path("nuova/<slug:kind>/", views.pratica_form, name="new"),
    path("nuova/<slug:kind>/<uuid:uid>/", views.pratica_form, name="edit"),
    path("invio-documenti/", views.delivery, name="delivery"),
    path("invio-documenti/<uuid:link_uid>/", views.delivery_change, name="delivery_change"),
    path("invio-documenti/conferma/<str:token>/", views.delivery_confirm, name="delivery_confirm"),
    path("gestione/", staff_views.queue, name="staff_queue"),
    path("gestione/<uuid:uid>/", staff_views.detail, name="staff_detail"),
    path("gestione/<uuid:uid>/assegna/", staff_views.assign, name="staff_assign"),
    path("gestione/<uuid:uid>/ricevuta.pdf", staff_views.receipt, name="staff_receipt"),
    path("gestione/<uuid:uid>/stato/<slug:to>/", staff_views.move, name="staff_move"),
    path(
        "gestione/<uuid:uid>/allegati/<uuid:attachment_uid>/",
        staff_views.attachment_viewer,
        name="staff_attachment",
    ),
    path(
        "gestione/<uuid:uid>/allegati/<uuid:attachment_uid>/file/",
        staff_views.attachment_file,
        name="staff_attachment_file",
    ),
    path("<uuid:uid>/", views.detail, name="detail"),
    path("<uuid:uid>/annulla/", views.cancel, name="cancel"),
    path("<uuid:uid>/elimina/", views.delete_draft, name="delete_draft"),
    path("<uuid:uid>/integra/", views.integrate, name="integrate"),
    path("<uuid:uid>/ricevuta.pdf", views.receipt, name="receipt"),
    path("<uuid:uid>/allegati/<uuid:attachment_uid>/", views.attachment, name="attachment"),
]
