from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404

from .models import Contract, ContractLink, Holder


def links_for_user(user, *, q="", service="", status=""):
    """The user's contract links with contract and holder in one query, for "I miei
    servizi": filtered by free text (code, address, municipality), service and status."""
    links = (
        ContractLink.objects.filter(user=user)
        .select_related("contract__holder")
        .annotate(
            service_order=Case(  # ACQUA before RIFIUTI, as the guide lists them
                When(contract__service=Contract.Service.WATER, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("contract__holder__customer_code", "service_order", "contract__service_code")
    )
    if q:
        links = links.filter(
            Q(contract__service_code__icontains=q)
            | Q(contract__supply_address__icontains=q)
            | Q(contract__municipality__icontains=q)
            | Q(contract__holder__customer_code__icontains=q)
        )
    if service:
        links = links.filter(contract__service=service)
    if status:
        links = links.filter(contract__status=status)
    return links


def get_link_for_user(user, uid):
    """One of the user's links; anyone else's answers 404."""
    return get_object_or_404(
        ContractLink.objects.select_related("contract__holder"), user=user, uid=uid
    )


def find_contract(*, customer_code, service_code):
    return (
        Contract.objects.select_related("holder")
        .filter(service_code=service_code, holder__customer_code=customer_code)
        .first()
    )


def search_holders(term):
    """Back-office: holders by codice cliente, codice servizio, CF, P.IVA or name."""
    term = (term or "").strip()
    if not term:
        return Holder.objects.none()
    compact = term.replace(" ", "")
    return (
        Holder.objects.filter(
            Q(customer_code=compact)
            | Q(contracts__service_code=compact)
            | Q(codice_fiscale=compact.upper())
            | Q(partita_iva=compact)
            | Q(last_name__icontains=term)
            | Q(company_name__icontains=term)
            | Q(first_name__icontains=term)
        )
        .distinct()
        .order_by("customer_code")
    )


def get_contract(service_code):
    return get_object_or_404(Contract.objects.select_related("holder"), service_code=service_code)


def links_of_contract(contract):
    return contract.links.select_related("user").order_by("created_at")
