from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accedi/", views.LoginView.as_view(), name="login"),
    path("esci/", views.logout, name="logout"),
]
