""" "Scarica i miei dati" (GDPR art. 20): everything the portal holds about a web user.

Later apps add their sections to EXPORTERS (a name and a function user -> list of dicts).
"""

from django.utils import timezone

from . import selectors

PROFILE_FIELDS = (
    "username", "email", "kind", "first_name", "last_name", "company_name", "codice_fiscale",
    "partita_iva", "phone_landline", "phone_mobile", "document_type", "document_number",
    "document_expiry", "document_issuer", "date_joined", "email_confirmed_at", "last_login",
)  # fmt: skip


def _value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _profile(user):
    return [{field: _value(getattr(user, field)) for field in PROFILE_FIELDS}]


def _consents(user):
    return [
        {
            "consenso": c.get_kind_display(),
            "dato": c.granted,
            "versione_informativa": c.notice_version,
            "quando": _value(c.at),
            "indirizzo_ip": c.ip,
        }
        for c in selectors.consents_of(user)
    ]


def _activity(user):
    return [
        {
            "evento": e.get_kind_display(),
            "quando": _value(e.at),
            "indirizzo_ip": e.ip,
            "luogo": e.place,
            "dispositivo": e.device,
        }
        for e in selectors.recent_events(user, limit=None)
    ]


def _sessions(user):
    return [
        {
            "aperta": _value(s.created_at),
            "ultima_attivita": _value(s.last_seen_at),
            "indirizzo_ip": s.ip,
            "dispositivo": s.device,
        }
        for s in selectors.sessions_of(user)
    ]


def _contracts(user):
    from customers.models import ContractLink

    links = ContractLink.objects.filter(user=user).select_related("contract__holder")
    return [
        {
            "codice_cliente": link.contract.holder.customer_code,
            "codice_servizio": link.contract.service_code,
            "servizio": link.contract.get_service_display(),
            "ubicazione": link.contract.location,
            "collegato_il": _value(link.created_at),
            "versione_dichiarazione": link.declaration_version,
            "indirizzo_ip": link.ip,
        }
        for link in links
    ]


def _mail(user):
    from core.models import OutboxMessage

    if not user.email:
        return []
    return [
        {"oggetto": m.subject, "creato_il": _value(m.created_at), "stato": m.get_state_display()}
        for m in OutboxMessage.objects.filter(to__iexact=user.email).only(
            "subject", "created_at", "state"
        )
    ]


EXPORTERS = [
    ("profilo", _profile),
    ("consensi", _consents),
    ("attivita", _activity),
    ("sessioni", _sessions),
    ("servizi_collegati", _contracts),
    ("posta_inviata", _mail),
]


def export_data(user):
    data = {"generato_il": timezone.now().isoformat()}
    for name, exporter in EXPORTERS:
        data[name] = exporter(user)
    return data


def export_rows(user):
    """The same data as (section, row number, field, value) rows for the CSV."""
    for name, exporter in EXPORTERS:
        for number, row in enumerate(exporter(user), start=1):
            for field, value in row.items():
                yield name, number, field, "" if value is None else value
