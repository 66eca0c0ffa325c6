import uuid

from django.db import connections, router
from django.db.models import Q
from django.shortcuts import get_object_or_404

from core import sql

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


# The same rows, unfiltered, in one plain statement: the page as most people open it. The ORM
# spent 0.6 ms building this query (three tables, eight plus eight columns, the ordering)
# for 0.05 ms of SQL (docs/performance.md). Same columns, joins and order as
# service_rows_for_user without filters (customers/tests/test_selectors.py holds them equal).
_SERVICE_ROWS_SQL = """
SELECT l.uid, c.service_code, c.service, c.use, c.supply_address, c.municipality, c.status,
       c.holder_id, h.customer_code, h.kind, h.first_name, h.last_name, h.company_name,
       h.codice_fiscale, h.partita_iva, h.address
FROM customers_contractlink l
JOIN customers_contract c ON c.id = l.contract_id
JOIN customers_holder h ON h.id = c.holder_id
WHERE l.user_id = %s
ORDER BY h.customer_code, c.service DESC, c.service_code
LIMIT %s OFFSET %s
"""


class LinkedServiceRows:
    """service_rows_for_user(user) without filters, as a sequence Paginator pages: count()
    and a slice each run one plain statement."""

    ordered = True  # for Paginator: the statement has its ORDER BY

    def __init__(self, user):
        self.user = user
        self._count = None

    def count(self):
        if self._count is None:
            self._count = linked_contract_count(self.user)
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("LinkedServiceRows takes a slice")
        start = index.start or 0
        stop = self.count() if index.stop is None else index.stop
        if stop <= start:
            return []
        connection = connections[router.db_for_read(ContractLink)]
        with connection.cursor() as cursor:
            cursor.execute(_SERVICE_ROWS_SQL, [self.user.pk, stop - start, start])
            rows = cursor.fetchall()
        # SQLite keeps a UUID as 32 hex digits, PostgreSQL as a uuid: the ORM's value either way.
        return [(uuid.UUID(str(row[0])), *row[1:]) for row in rows]


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


def linked_contract_count(user):
    """How many contracts `user` has linked: on the home page's card and the list's pager,
    so one plain statement (core.sql)."""
    return sql.count(ContractLink, user=user)
