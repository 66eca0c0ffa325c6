from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("healthz", views.healthz, name="healthz"),
    path("contatti/", views.page, {"template": "contacts"}, name="contacts"),
    path("privacy/", views.page, {"template": "privacy"}, name="privacy"),
    path("cookie/", views.page, {"template": "cookies"}, name="cookies"),
    path("accessibilita/", views.page, {"template": "accessibility"}, name="accessibility"),
    path("posta/", views.mailbox, name="mailbox"),
    path("posta/<uuid:message_id>/", views.mailbox_message, name="mailbox_message"),
]
