"""What customers contributes to "Scarica i miei dati" and to `export_feed`."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from core.models import AuditEvent
from core.registry import local_time

from .models import ContractLink


def linked_services(user):
    """The "servizi_collegati" section of "Scarica i miei dati"."""
    links = ContractLink.objects.filter(user=user).select_related("contract__holder")
    return [
        {
            "codice_cliente": link.contract.holder.customer_code,
            "codice_servizio": link.contract.service_code,
            "servizio": link.contract.get_service_display(),
            "ubicazione": link.contract.location,
            "collegato_il": local_time(link.created_at),
            "versione_dichiarazione": link.declaration_version,
            "indirizzo_ip": link.ip,
        }
        for link in links
    ]


LINK_ACTIONS = {
    "customers.link": "linked",
    "customers.unlink": "unlinked",
    "customers.staff_unlink": "unlinked_by_staff",
}
CONTRACT_LINKS_HEADER = (
    "event_id", "event", "link_uid", "service_code", "user_uid", "email", "phone", "at",
)  # fmt: skip


def contract_links(since=None):
    """`contract_links.csv` of export_feed: links made and removed, from the audit log.

    Each row's event_id is the audit event's id (stable: the log is append-only); link_uid
    is the link's own uid, the same on the row that made it and on the one that removed it.
    `at` is UTC, ISO 8601. `since`: only events after that moment.
    """
    events = AuditEvent.objects.filter(action__in=LINK_ACTIONS).order_by("at", "pk")
    if since is not None:
        events = events.filter(at__gt=since)
    events = list(events)
    link_ids = {int(e.object_id) for e in events if e.object_id.isdigit()}
    links = {
        link.pk: link
        for link in ContractLink.objects.filter(pk__in=link_ids).select_related("user")
    }
    named = {e.detail.get("user") for e in events if e.detail.get("user")}
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(
            Q(
                pk__in={e.actor_id for e in events if e.actor_id}
                | {link.user_id for link in links.values()}
            )
            | Q(uid__in=named)
        )
    }
    users_by_uid = {str(u.uid): u for u in users.values()}
    yield CONTRACT_LINKS_HEADER
    for event in events:
        link = links.get(int(event.object_id)) if event.object_id.isdigit() else None
        link_uid = event.detail.get("link") or (str(link.uid) if link else "")
        # The customer: the link's user; once removed by staff, the one the event names.
        user = (
            (link.user if link else None)
            or users_by_uid.get(event.detail.get("user", ""))
            or (users.get(event.actor_id) if event.action != "customers.staff_unlink" else None)
        )
        yield (
            f"A{event.pk}",
            LINK_ACTIONS[event.action],
            link_uid,
            event.detail.get("service_code", ""),
            str(user.uid) if user else "",
            user.email if user else "",
            (user.phone_mobile or user.phone_landline) if user else "",
            event.at.isoformat(),
        )
