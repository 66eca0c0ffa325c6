""" "Scarica i miei dati" (GDPR art. 20): everything the portal holds about a web user.

Each app adds its own sections through the registry (core.registry.register_export): the
profile's are below, registered by AccountsConfig.ready(); customers adds its linked
services, core the mail sent. Field names are Italian and times are shown as on the pages
(Europe/Rome, dd/mm/yyyy HH:MM). `export_data` and `export_rows` are what the views call.
"""

from django.utils import timezone

from core.registry import local_time, registry

from . import selectors

# (field name in the export, attribute of the user); choices are exported as displayed.
PROFILE_FIELDS = (
    ("nome_utente", "username"),
    ("email", "email"),
    ("tipo", "get_kind_display"),
    ("nome", "first_name"),
    ("cognome", "last_name"),
    ("ragione_sociale", "company_name"),
    ("codice_fiscale", "codice_fiscale"),
    ("partita_iva", "partita_iva"),
    ("telefono_fisso", "phone_landline"),
    ("cellulare", "phone_mobile"),
    ("tipo_documento", "get_document_type_display"),
    ("numero_documento", "document_number"),
    ("scadenza_documento", "document_expiry"),
    ("ente_emittente_documento", "document_issuer"),
    ("registrato_il", "date_joined"),
    ("email_confermata_il", "email_confirmed_at"),
    ("ultimo_accesso", "last_login"),
)


def _value(value):
    if callable(value):
        value = value()
    if hasattr(value, "strftime"):
        return local_time(value)
    return value


def profile(user):
    return [{name: _value(getattr(user, attribute)) for name, attribute in PROFILE_FIELDS}]


def consents(user):
    return [
        {
            "consenso": c.get_kind_display(),
            "dato": c.granted,
            "versione_informativa": c.notice_version,
            "quando": local_time(c.at),
            "indirizzo_ip": c.ip,
        }
        for c in selectors.consents_of(user)
    ]


def activity(user):
    return [
        {
            "evento": e.get_kind_display(),
            "quando": local_time(e.at),
            "indirizzo_ip": e.ip,
            "luogo": e.place,
            "dispositivo": e.device,
        }
        for e in selectors.recent_events(user, limit=None)
    ]


def sessions(user):
    return [
        {
            "aperta": local_time(s.created_at),
            "ultima_attivita": local_time(s.last_seen_at),
            "indirizzo_ip": s.ip,
            "dispositivo": s.device,
        }
        for s in selectors.sessions_of(user)
    ]


# Registered by AccountsConfig.ready(): (name, function, order).
SECTIONS = (
    ("profilo", profile, 10),
    ("consensi", consents, 20),
    ("attivita", activity, 30),
    ("sessioni", sessions, 40),
)


def export_data(user):
    data = {"generato_il": local_time(timezone.now())}
    for name, rows in registry.export_sections(user):
        data[name] = rows
    return data


def export_rows(user):
    """The same data as (section, row number, field, value) rows for the CSV."""
    for name, rows in registry.export_sections(user):
        for number, row in enumerate(rows, start=1):
            for field, value in row.items():
                yield name, number, field, "" if value is None else value
