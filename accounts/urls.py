from django.urls import path

from .views import data, login, profile, recovery, registration, security

app_name = "accounts"
urlpatterns = [
    path("accedi/", login.login, name="login"),
    path("accedi/verifica/", login.login_verify, name="login_verify"),
    path("esci/", login.logout, name="logout"),
    path("registrati/", registration.register, name="register"),
    path("registrati/inviata/", registration.register_done, name="register_done"),
    path("registrati/conferma/<str:token>/", registration.confirm, name="confirm"),
    path("registrati/nuovo-link/", registration.resend_confirmation, name="resend_confirmation"),
    path("benvenuto/password/", registration.set_password, name="set_password"),
    path("benvenuto/", registration.welcome, name="welcome"),
    path("password/recupero/", recovery.password_reset, name="password_reset"),
    path("password/recupero/inviata/", recovery.password_reset_done, name="password_reset_done"),
    path(
        "password/nuova/<str:token>/",
        recovery.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("profilo/", profile.profile, name="profile"),
    path("profilo/modifica/", profile.profile_edit, name="profile_edit"),
    path("profilo/email/<str:token>/", profile.email_change_confirm, name="email_change_confirm"),
    path("profilo/elimina/", profile.delete_profile, name="delete"),
    path("profilo/eliminato/", profile.deleted, name="deleted"),
    path("profilo/credenziali/", security.password_change, name="password_change"),
    path("profilo/attivita/", security.activity, name="activity"),
    path("profilo/attivita/chiudi/", security.end_session, name="end_session"),
    path("profilo/attivita/chiudi-altre/", security.end_other_sessions, name="end_other_sessions"),
    path("profilo/due-passaggi/", security.two_factor_setup, name="two_factor"),
    path("profilo/i-miei-dati/", data.my_data, name="my_data"),
    path("profilo/i-miei-dati.json", data.my_data_json, name="my_data_json"),
    path("profilo/i-miei-dati.csv", data.my_data_csv, name="my_data_csv"),
]
