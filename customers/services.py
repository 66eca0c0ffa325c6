"""Linking web users to contracts ("Aggancio servizi")."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from accounts.models import AccountEvent
from accounts.services.sessions import record_event
from core import audit
from core.identifiers import compact_codice_fiscale, compact_partita_iva

from . import mail
from .models import Contract, ContractLink

# Bump the version whenever the text changes: each link stores the version it was made with.
DECLARATION_VERSION = "2026-11"
DECLARATION_TEXT = (
    "Sono consapevole delle sanzioni penali stabilite dal d.p.r. 445/2000 in caso di "
    "dichiarazioni mendaci e dichiaro, sotto la mia personale responsabilità, di essere il "
    "titolare del servizio in oggetto o di essere autorizzato dal titolare alla sua gestione."
)


class LinkOutcome:
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"
    NO_MATCH = "no_match"


def _identity_matches(contract, *, codice_fiscale, partita_iva):
    """Domestic contracts: the holder's codice fiscale. Non-domestic: the holder's partita
    IVA, with the codice fiscale field left empty (the guide's rule)."""
    holder = contract.holder
    if contract.use == Contract.Use.DOMESTIC:
        return bool(codice_fiscale) and codice_fiscale == compact_codice_fiscale(
            holder.codice_fiscale
        )
    return (
        not codice_fiscale
        and bool(partita_iva)
        and partita_iva == compact_partita_iva(holder.partita_iva)
    )


def link_contract(*, user, customer_code, service_code, codice_fiscale, partita_iva, ip=None):
    """Link the contract that the three values identify to `user`.

    Returns (outcome, link). A mismatch never says which value was wrong. Side effects: the
    link with the declaration's version, time and address; an audit event for every
    attempt, and a line in the user's "Attività recenti" for a link made or refused; a
    notice to the holder's e-mail when someone new links their contract.
    """
    from .selectors import find_contract

    contract = find_contract(customer_code=customer_code.strip(), service_code=service_code.strip())
    matched = contract is not None and _identity_matches(
        contract,
        codice_fiscale=compact_codice_fiscale(codice_fiscale),
        partita_iva=compact_partita_iva(partita_iva),
    )
    with transaction.atomic():
        if not matched:
            audit.record(actor=user, action="customers.link_failed", ip=ip)
            record_event(user=user, kind=AccountEvent.Kind.CONTRACT_LINK_FAILED, ip=ip)
            return LinkOutcome.NO_MATCH, None
        existing = ContractLink.objects.filter(user=user, contract=contract).first()
        if existing is not None:
            audit.record(actor=user, action="customers.link_repeat", obj=existing, ip=ip)
            return LinkOutcome.ALREADY_LINKED, existing
        try:
            with transaction.atomic():
                link = ContractLink.objects.create(
                    user=user,
                    contract=contract,
                    declaration_version=DECLARATION_VERSION,
                    ip=ip,
                )
        except IntegrityError:  # the same user, twice at once
            return LinkOutcome.ALREADY_LINKED, ContractLink.objects.get(
                user=user, contract=contract
            )
        audit.record(
            actor=user, action="customers.link", obj=link, service_code=contract.service_code
        )
        record_event(
            user=user,
            kind=AccountEvent.Kind.CONTRACT_LINKED,
            ip=ip,
            detail=contract.service_code,
        )
        holder_email = contract.holder.email
        if holder_email and holder_email.lower() != (user.email or "").lower():
            mail.send_contract_linked(to=holder_email, contract=contract, user=user)
    return LinkOutcome.LINKED, link


def unlink_contract(*, link, actor, reason=""):
    """Remove a link: by its user ("I miei servizi") or by staff, with a reason. Audited,
    and shown in the user's "Attività recenti".

    Raises PermissionDenied for staff without customers.delete_contractlink (the view checks
    it too; this keeps every other caller honest)."""
    if actor != link.user and not actor.has_perm("customers.delete_contractlink"):
        raise PermissionDenied
    # Operators never act on a staff account, its contract links included.
    staff_link = link.user.is_staff or link.user.is_superuser
    if actor != link.user and staff_link and not actor.has_perm("accounts.manage_staff"):
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="customers.unlink" if actor == link.user else "customers.staff_unlink",
            obj=link,
            service_code=link.contract.service_code,
            user=str(link.user.uid),
            reason=reason,
        )
        record_event(
            user=link.user,
            kind=AccountEvent.Kind.CONTRACT_UNLINKED
            if actor == link.user
            else AccountEvent.Kind.CONTRACT_UNLINKED_BY_STAFF,
            detail=link.contract.service_code,
        )
        link.delete()
