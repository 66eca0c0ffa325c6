"""What pratiche contributes to "Scarica i miei dati" and to `export_feed` (pratiche.csv,
delivery.csv, mandates.csv). Feed times are UTC, ISO 8601; dates YYYY-MM-DD."""

import json

from django.db.models import Q

from core.registry import local_time

from .models import DeliveryChange, Kind, Mandate, Pratica, State


def _iso(value):
    return value.isoformat() if value else ""


# --- "Scarica i miei dati" ------------------------------------------------------------------


def my_pratiche(user):
    return [
        {
            "protocollo": p.protocol or "",
            "tipo": p.get_kind_display(),
            "stato": p.get_state_display(),
            "codice_servizio": p.service_code,
            "creata_il": local_time(p.created_at),
            "inviata_il": local_time(p.submitted_at),
            "scadenza": local_time(p.due_on),
            "conclusa_il": local_time(p.decided_at),
            "motivazione": p.reason,
            "dati": "; ".join(f"{label}: {value}" for label, value in p.summary)
            if p.summary
            else json.dumps(p.data, ensure_ascii=False),
        }
        for p in Pratica.objects.filter(user=user).order_by("created_at", "id")
    ]


def my_delivery(user):
    return [
        {
            "codice_servizio": c.contract.service_code,
            "bolletta_via_email": c.by_email,
            "indirizzo_email": c.email,
            "richiesta_il": local_time(c.requested_at),
            "in_vigore_dal": local_time(c.effective_at),
            "versione_informativa": c.privacy_version,
        }
        for c in DeliveryChange.objects.filter(user=user)
        .select_related("contract")
        .order_by("requested_at", "id")
    ]


def my_mandates(user):
    return [
        {
            "identificativo_mandato": m.mandate_id,
            "codice_servizio": m.service_code,
            "iban": m.iban,
            "intestatario_conto": m.account_holder,
            "codice_fiscale_intestatario": m.account_holder_cf,
            "sottoscritto_il": local_time(m.signed_at),
            "stato": m.get_status_display(),
            "revocato_il": local_time(m.revoked_at),
        }
        for m in Mandate.objects.filter(pratica__user=user).order_by("signed_at", "id")
    ]


# --- export_feed ---------------------------------------------------------------------------

PRATICHE_HEADER = (
    "id", "protocol", "type", "service_code", "state", "submitted_at", "due_on",
    "updated_at", "decided_at", "reason", "user_uid", "email", "form_data",
)  # fmt: skip


def pratiche_since(since=None):
    """pratiche.csv: one row per pratica sent (drafts never leave the portal), with its
    current state. `id` is the pratica's uid (stable); a row changed after `since` comes
    again with the new state, so the billing system upserts by id."""
    rows = Pratica.objects.exclude(state=State.DRAFT).select_related("user")
    if since is not None:
        rows = rows.filter(updated_at__gt=since)
    yield PRATICHE_HEADER
    for p in rows.order_by("submitted_at", "id"):
        yield (
            str(p.uid),
            p.protocol,
            p.kind,
            p.service_code,
            p.state,
            _iso(p.submitted_at),
            _iso(p.due_on),
            _iso(p.updated_at),
            _iso(p.decided_at),
            p.reason,
            str(p.user.uid) if p.user else "",
            p.user.email if p.user else "",
            json.dumps(p.data, ensure_ascii=False, sort_keys=True),
        )


DELIVERY_HEADER = ("id", "service_code", "bill_by_email", "email", "effective_at",
                   "privacy_notice_version", "user_uid")  # fmt: skip


def delivery_since(since=None):
    """delivery.csv: each bill-delivery change once it is in effect (another address: once
    its link was followed). The billing system applies them from the next bill."""
    rows = DeliveryChange.objects.filter(effective_at__isnull=False).select_related(
        "contract", "user"
    )
    if since is not None:
        rows = rows.filter(effective_at__gt=since)
    yield DELIVERY_HEADER
    for c in rows.order_by("effective_at", "id"):
        yield (
            str(c.uid),
            c.contract.service_code,
            "yes" if c.by_email else "no",
            c.email,
            _iso(c.effective_at),
            c.privacy_version,
            str(c.user.uid) if c.user else "",
        )


MANDATES_HEADER = (
    "id", "event", "mandate_id", "service_code", "iban", "bic", "account_holder",
    "account_holder_cf", "signed_on", "at", "protocol",
)  # fmt: skip


def mandates_since(since=None):
    """mandates.csv: a "signed" row per mandate, a "cancelled" row when its pratica was
    rejected or withdrawn, a "revoked" row per revocation pratica (with the mandate id when
    the mandate was signed here; a mandate signed elsewhere is named by the service code),
    and a "reinstated" row when that revocation was withdrawn or rejected (the mandate is in
    force again)."""
    events = []
    mandates = Mandate.objects.select_related("pratica")
    if since is not None:
        mandates = mandates.filter(Q(signed_at__gt=since) | Q(revoked_at__gt=since))
    for m in mandates:
        base = (m.mandate_id, m.service_code, m.iban, m.bic, m.account_holder,
                m.account_holder_cf, m.signed_at.date().isoformat())  # fmt: skip
        if since is None or m.signed_at > since:
            events.append((m.signed_at, (f"{m.mandate_id}:signed", "signed", *base,
                                         _iso(m.signed_at), m.pratica.protocol)))  # fmt: skip
        if m.status == Mandate.Status.CANCELLED and (since is None or m.revoked_at > since):
            events.append((m.revoked_at, (f"{m.mandate_id}:cancelled", "cancelled", *base,
                                          _iso(m.revoked_at), m.pratica.protocol)))  # fmt: skip
    revocations = Pratica.objects.filter(kind=Kind.REVOCA).exclude(state=State.DRAFT)
    if since is not None:
        revocations = revocations.filter(submitted_at__gt=since)
    revoked = {m.revoked_by_id: m for m in Mandate.objects.filter(revoked_by__in=revocations)}
    for p in revocations:
        m = revoked.get(p.pk)
        events.append(
            (
                p.submitted_at,
                (
                    f"{p.protocol}:revoked", "revoked", m.mandate_id if m else "",
                    p.service_code, m.iban if m else "", m.bic if m else "",
                    m.account_holder if m else "", m.account_holder_cf if m else "",
                    m.signed_at.date().isoformat() if m else "", _iso(p.submitted_at),
                    p.protocol,
                ),
            )
        )  # fmt: skip
    # A revocation withdrawn by the customer or rejected: its mandate is in force again.
    withdrawn = Pratica.objects.filter(
        kind=Kind.REVOCA, state__in=(State.CANCELLED, State.REJECTED), decided_at__isnull=False
    )
    if since is not None:
        withdrawn = withdrawn.filter(decided_at__gt=since)
    restored = {m.revoked_by_id: m for m in Mandate.objects.filter(revoked_by__in=withdrawn)}
    for p in withdrawn:
        m = restored.get(p.pk)
        events.append(
            (
                p.decided_at,
                (
                    f"{p.protocol}:reinstated", "reinstated", m.mandate_id if m else "",
                    p.service_code, m.iban if m else "", m.bic if m else "",
                    m.account_holder if m else "", m.account_holder_cf if m else "",
                    m.signed_at.date().isoformat() if m else "", _iso(p.decided_at),
                    p.protocol,
                ),
            )
        )  # fmt: skip
    yield MANDATES_HEADER
    for _at, row in sorted(events, key=lambda e: (e[0], e[1][0])):
        yield row
