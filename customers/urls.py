from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.services_list, name="services"),
    path("aggancio/", views.link, name="link"),
    path("<uuid:uid>/", views.contract, name="contract"),
    path("<uuid:uid>/scollega/", views.unlink, name="unlink"),
]
