"""What tickets contributes to "Scarica i miei dati" and to `export_feed` (requests.csv)."""

from datetime import UTC

from core.registry import local_time
from customers.models import ContractLink

from .models import Message, Ticket


def my_requests(user):
    """The "richieste_e_reclami" section of "Scarica i miei dati": each request with the
    conversation the customer sees (never the internal notes)."""
    tickets = (
        Ticket.objects.filter(user=user).select_related("contract").order_by("received_at", "pk")
    )
    messages = {}
    for message in Message.objects.filter(ticket__user=user, internal=False).order_by(
        "created_at", "pk"
    ):
        messages.setdefault(message.ticket_id, []).append(
            f"{local_time(message.created_at)} {message.get_sender_display()}: {message.text}"
        )
    return [
        {
            "protocollo": t.protocol,
            "ricevuta_il": local_time(t.received_at),
            "area": t.get_area_display(),
            "tipo": t.get_kind_display(),
            "utenza": t.contract.service_code if t.contract else "",
            "oggetto": t.subject,
            "testo": t.text,
            "intestatario": t.holder_name,
            "codice_cliente": t.customer_code,
            "codice_servizio": t.service_code,
            "indirizzo_di_fornitura": t.supply_address,
            "indirizzo_per_la_risposta": t.reply_address,
            "verifica_contatore": "sì" if t.meter_check else "no",
            "stato": t.get_status_display(),
            "risposta_prevista_entro_il": local_time(t.due_on),
            "risposta_pubblicata_il": local_time(t.answered_at),
            "indennizzo_automatico": f"{t.indemnity:.2f}".replace(".", ","),
            "messaggi": messages.get(t.pk, []),
        }
        for t in tickets
    ]


REQUESTS_HEADER = (
    "request_id",
    "protocol",
    "customer_code",
    "user_uid",
    "service_code",
    "area",
    "type",
    "received_at",
    "answered_at",
    "working_days",
    "standard_days",
    "indemnity",
)


def requests_since(since=None):
    """`requests.csv` of export_feed: one row per request changed after `since` (all without
    it). request_id is the request's uid: a request exported again (answered later, say)
    carries the same id, so the billing system updates its row. Times are UTC, ISO 8601;
    the indemnity in euro with a dot ("30.00"), to credit on the next bill."""
    tickets = Ticket.objects.select_related("contract__holder", "user").order_by(
        "received_at", "pk"
    )
    if since is not None:
        tickets = tickets.filter(updated_at__gt=since)
    yield REQUESTS_HEADER
    linked = {}  # user id -> the (codice cliente, codice servizio) of the contracts they linked
    for t in tickets.iterator(chunk_size=1000):
        contract = t.contract
        if contract:
            customer_code, service_code = contract.holder.customer_code, contract.service_code
        else:
            customer_code, service_code = _declared_codes(t, linked)
        yield (
            str(t.uid),
            t.protocol,
            customer_code,
            str(t.user.uid) if t.user else "",
            service_code,
            t.area,
            t.kind,
            t.received_at.astimezone(UTC).isoformat(),
            t.answered_at.astimezone(UTC).isoformat() if t.answered_at else "",
            "" if t.working_days_taken is None else t.working_days_taken,
            t.standard_days,
            f"{t.indemnity:.2f}",
        )


def _declared_codes(ticket, linked):
    """The codes a customer typed on a request without a chosen contract, only where they
    name a contract the customer linked (the billing system credits an indemnity to that
    codice cliente: a typed code of someone else's account must not get it); else empty,
    and the billing system finds the customer by user_uid (contract_links.csv)."""
    if ticket.user_id is None:
        return "", ""
    if ticket.user_id not in linked:
        linked[ticket.user_id] = set(
            ContractLink.objects.filter(user_id=ticket.user_id).values_list(
                "contract__holder__customer_code", "contract__service_code"
            )
        )
    codes = linked[ticket.user_id]
    customer_code = ticket.customer_code if ticket.customer_code in {c for c, _s in codes} else ""
    service_code = ticket.service_code if ticket.service_code in {s for _c, s in codes} else ""
    return customer_code, service_code
