from django.urls import path

from .views import audit, customers, feeds, home, staff

app_name = "backoffice"
urlpatterns = [
    path("", home.home, name="home"),
    path("utenti/", customers.users, name="users"),
    path("utenti/<uuid:uid>/", customers.user_detail, name="user"),
    path("utenti/<uuid:uid>/reinvia-conferma/", customers.resend_confirmation, name="resend"),
    path("utenti/<uuid:uid>/blocca/", customers.set_blocked, {"block": True}, name="block"),
    path("utenti/<uuid:uid>/sblocca/", customers.set_blocked, {"block": False}, name="unblock"),
    path(
        "utenti/<uuid:uid>/azzera-verifica/",
        customers.reset_two_factor,
        name="user_reset_two_factor",
    ),
    path("intestatari/", customers.holders, name="holders"),
    path("flussi/", feeds.feeds, name="feeds"),
    path("flussi/<uuid:uid>/", feeds.feed, name="feed"),
    path("flussi/<uuid:uid>/stato.json", feeds.feed_status, name="feed_status"),
    path("personale/", staff.staff_list, name="staff"),
    path("personale/nuovo/", staff.staff_create, name="staff_create"),
    path("personale/<uuid:uid>/", staff.staff_member, name="staff_member"),
    path("personale/<uuid:uid>/ruoli/", staff.staff_roles, name="staff_roles"),
    path(
        "personale/<uuid:uid>/disattiva/",
        staff.staff_set_active,
        {"active": False},
        name="staff_deactivate",
    ),
    path(
        "personale/<uuid:uid>/riattiva/",
        staff.staff_set_active,
        {"active": True},
        name="staff_reactivate",
    ),
    path("personale/<uuid:uid>/reinvia-link/", staff.staff_resend, name="staff_resend"),
    path(
        "personale/<uuid:uid>/azzera-verifica/",
        staff.staff_reset_two_factor,
        name="staff_reset_two_factor",
    ),
    path("registro/", audit.audit_log, name="audit"),
    path(
        "utenze/<path:service_code>/collegamenti/<uuid:link_uid>/rimuovi/",
        customers.contract_unlink,
        name="contract_unlink",
    ),
    # After the longer route: <path:> would swallow it (service codes may contain "/").
    path("utenze/<path:service_code>/", customers.contract, name="contract"),
]
