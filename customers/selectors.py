from django.db.models import Q
from django.shortcuts import get_object_or_404

from .models import Contract, ContractLink, Holder


def _filtered_links(user, *, q="", service="", status=""):
    links = ContractLink.objects.filter(user=user)
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
    # ACQUA before RIFIUTI, as the guide lists them: "water" sorts after "waste", so the
    # service descending (a CASE expression here cost more to build than the rest of the
    # query, on the page's hot path).
    return links.order_by(
        "contract__holder__customer_code", "-contract__service", "contract__service_code"
    )


def links_for_user(user, *, q="", service="", status=""):
    """The user's contract links with contract and holder in one query, for "I miei
    servizi": filtered by free text (code, address, municipality), service and status."""
    return _filtered_links(user, q=q, service=service, status=status).select_related(
        "contract__holder"
    )


# What a row of "I miei servizi" shows, and its holder's block: plain tuples, not model
# instances (building 75 instances per page cost more than rendering it).
SERVICE_ROW_FIELDS = (
    "uid",
    "contract__service_code",
    "contract__service",
    "contract__use",
    "contract__supply_address",
    "contract__municipality",
    "contract__status",
    "contract__holder_id",
)
HOLDER_FIELDS = (
    "customer_code",
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "codice_fiscale",
    "partita_iva",
    "address",
)


def service_rows_for_user(user, **filters):
    """links_for_user as tuples: SERVICE_ROW_FIELDS then the holder's HOLDER_FIELDS."""
    return _filtered_links(user, **filters).values_list(
        *SERVICE_ROW_FIELDS, *(f"contract__holder__{name}" for name in HOLDER_FIELDS)
    )


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


def links_of_user(user):
    """Back-office: the contracts a web user linked, with contract and holder in one query,
    newest link first."""
    return (
        ContractLink.objects.filter(user=user)
        .select_related("contract__holder")
        .order_by("-created_at", "-id")
    )
