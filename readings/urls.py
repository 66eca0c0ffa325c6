from django.urls import path

from . import views

app_name = "readings"
urlpatterns = [
    path("<uuid:uid>/", views.history, name="history"),
    path("<uuid:uid>/nuova/", views.new, name="new"),
    path("ricevuta/<uuid:uid>/", views.receipt, name="receipt"),
    path("foto/<uuid:uid>/", views.photo, name="photo"),
    path("backoffice/", views.staff_queue, name="staff_queue"),
    path("backoffice/<uuid:uid>/", views.staff_detail, name="staff_detail"),
    path("backoffice/<uuid:uid>/valida/", views.staff_validate, name="staff_validate"),
    path("backoffice/<uuid:uid>/respingi/", views.staff_reject, name="staff_reject"),
    path("backoffice/<uuid:uid>/foto/", views.staff_photo, name="staff_photo"),
]
