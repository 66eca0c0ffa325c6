from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accedi/", views.login, name="login"),
    path("accedi/verifica/", views.login_verify, name="login_verify"),
    path("esci/", views.logout, name="logout"),
    path("registrati/", views.register, name="register"),
    path("registrati/inviata/", views.register_done, name="register_done"),
    path("registrati/conferma/<str:token>/", views.confirm, name="confirm"),
    path("registrati/nuovo-link/", views.resend_confirmation, name="resend_confirmation"),
    path("benvenuto/password/", views.set_password, name="set_password"),
    path("benvenuto/", views.welcome, name="welcome"),
    path("password/recupero/", views.password_reset, name="password_reset"),
    path("password/recupero/inviata/", views.password_reset_done, name="password_reset_done"),
    path(
        "password/nuova/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("profilo/", views.profile, name="profile"),
    path("profilo/modifica/", views.profile_edit, name="profile_edit"),
    path("profilo/credenziali/", views.password_change, name="password_change"),
    path("profilo/email/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("profilo/attivita/", views.activity, name="activity"),
    path("profilo/attivita/chiudi/", views.end_session, name="end_session"),
    path("profilo/attivita/chiudi-altre/", views.end_other_sessions, name="end_other_sessions"),
    path("profilo/due-passaggi/", views.two_factor_setup, name="two_factor"),
    path("profilo/elimina/", views.delete_profile, name="delete"),
    path("profilo/eliminato/", views.deleted, name="deleted"),
    path("profilo/i-miei-dati/", views.my_data, name="my_data"),
    path("profilo/i-miei-dati.json", views.my_data_json, name="my_data_json"),
    path("profilo/i-miei-dati.csv", views.my_data_csv, name="my_data_csv"),
]
