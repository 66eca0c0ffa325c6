"""Reads of billing: every bill a customer reaches is fetched through their ContractLinks."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core import sql
from customers.models import ContractLink

from . import conf
from .models import Bill, FeedPayment
from .money import BillStatus, bill_status, can_pay_online

ZERO = Decimal("0.00")


def today():
    return timezone.localdate()


def history_start(day=None):
    """ "Le bollette dei due anni precedenti": bills issued from this day on are listed."""
    day = day or today()
    years = conf.history_years()
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def history_years(day=None):
    """The years the list can be filtered by, newest first."""
    day = day or today()
    return list(range(day.year, history_start(day).year - 1, -1))


def _feed_paid(number_ref):
    return Subquery(FeedPayment.objects.filter(bill_number=number_ref).values("amount")[:1])


@dataclass(frozen=True)
class BillRow:
    """One bill as "Bollette online" shows it: plain values, amounts already summed."""

    number: str
    issued_on: datetime.date
    due_on: datetime.date
    amount: Decimal
    paid: Decimal
    has_pdf: bool
    pagopa_notice: str
    status: str
    direct_debit: bool

    @property
    def outstanding(self):
        return max(self.amount - self.paid, ZERO)

    @property
    def payable(self):
        return can_pay_online(outstanding=self.outstanding, direct_debit=self.direct_debit)


def _row(values, direct_debit, day):
    number, issued_on, due_on, amount, portal_paid, pdf, notice, feed_paid = values
    paid = (feed_paid or ZERO) + (portal_paid or ZERO)
    return BillRow(
        number=number,
        issued_on=issued_on,
        due_on=due_on,
        amount=amount,
        paid=paid,
        has_pdf=bool(pdf),
        pagopa_notice=notice,
        status=bill_status(
            amount=amount, paid=paid, due_on=due_on, direct_debit=direct_debit, today=day
        ),
        direct_debit=direct_debit,
    )


CONTRACT_FIELDS = ("contract__service_code", "contract__service", "contract__direct_debit")
BILL_FIELDS = (
    "number", "issued_on", "due_on", "amount", "portal_paid", "pdf", "pagopa_notice",
)  # fmt: skip


@dataclass(frozen=True)
class BillList:
    service_code: str
    service: str
    direct_debit: bool
    rows: list


# "vedi tutto" in one plain statement: the link, its contract, its bills and the feed's
# payment of each (payments.csv holds one row per bill). The ORM spent about 3 ms building the
# same query (a FilteredRelation and a subquery) for well under 1 ms of SQL, on the page the
# issue holds to a quarter of the hello-world floor (docs/performance.md);
# billing/tests/test_selectors.py holds it equal to the ORM's reading of the same bills.
_BILL_LIST_SQL = """
SELECT c.service_code, c.service, c.direct_debit,
       b.number, b.issued_on, b.due_on, b.amount, b.portal_paid, b.pdf, b.pagopa_notice,
       p.amount
FROM customers_contractlink l
JOIN customers_contract c ON c.id = l.contract_id
LEFT JOIN billing_bill b ON b.contract_id = c.id AND b.issued_on >= %s{year}
LEFT JOIN billing_feedpayment p ON p.bill_number = b.number
WHERE l.user_id = %s AND l.uid = %s
ORDER BY b.issued_on IS NULL, b.issued_on DESC, b.id DESC
"""
_YEAR = " AND b.issued_on >= %s AND b.issued_on < %s"


def _bill_list_fields():
    contract = ContractLink._meta.get_field("contract").related_model._meta
    bill, payment = Bill._meta, FeedPayment._meta
    return (
        *(contract.get_field(name) for name in ("service_code", "service", "direct_debit")),
        *(bill.get_field(name) for name in BILL_FIELDS),
        payment.get_field("amount"),
    )


def bill_list_for_user(user, link_uid, *, year=None, status=None, day=None):
    """ "vedi tutto": the bills of the last two years of one of the user's contracts, newest
    first, optionally of one year and one status, in ONE query; Http404 for anyone else's
    link."""
    day = day or today()
    params = [sql.param(Bill, "issued_on", history_start(day))]
    if year:
        params += [
            sql.param(Bill, "issued_on", datetime.date(year, 1, 1)),
            sql.param(Bill, "issued_on", datetime.date(year + 1, 1, 1)),
        ]
    params += [user.pk, sql.param(ContractLink, "uid", link_uid)]
    statement = _BILL_LIST_SQL.format(year=_YEAR if year else "")
    rows = sql.fetch(Bill, statement, params, _bill_list_fields())
    if not rows:
        raise Http404
    service_code, service, direct_debit = rows[0][:3]
    bills = [_row(r[3:], direct_debit, day) for r in rows if r[3] is not None]
    if status:
        bills = [b for b in bills if b.status == status]
    return BillList(service_code, service, direct_debit, bills)


def recent_bills(contract, *, day=None):
    """The contract's bills of the last two years, newest first (the contract page's
    section: the link is already the customer's)."""
    day = day or today()
    values = (
        Bill.objects.filter(contract=contract, issued_on__gte=history_start(day))
        .annotate(feed_paid=_feed_paid(OuterRef("number")))
        .order_by("-issued_on", "-id")
        .values_list(*BILL_FIELDS, "feed_paid")
    )
    return [_row(v, contract.direct_debit, day) for v in values]


def get_bill_for_user(user, number):
    """One bill of a contract the user linked, with its contract; anyone else's is a 404."""
    return get_object_or_404(
        Bill.objects.select_related("contract").annotate(feed_paid=_feed_paid(OuterRef("number"))),
        number=number,
        contract__links__user=user,
    )


def paid_amount(bill):
    """What the feed's payments and the portal's confirmed payments make together."""
    feed_paid = getattr(bill, "feed_paid", None)
    if feed_paid is None and not hasattr(bill, "feed_paid"):
        feed_paid = (
            FeedPayment.objects.filter(bill_number=bill.number).values_list("amount", flat=True)
        ).first()
    return (feed_paid or ZERO) + (bill.portal_paid or ZERO)


def outstanding(bill):
    return max(bill.amount - paid_amount(bill), ZERO)


def status_of(bill, *, day=None):
    return bill_status(
        amount=bill.amount,
        paid=paid_amount(bill),
        due_on=bill.due_on,
        direct_debit=bill.contract.direct_debit,
        today=day or today(),
    )


def link_for_bill(user, bill):
    """The user's link to the bill's contract (for the way back to its list)."""
    return ContractLink.objects.filter(user=user, contract_id=bill.contract_id).first()


STATUS_CHOICES = BillStatus.choices
