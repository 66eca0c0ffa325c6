"""Reads of billing: every bill a customer reaches is fetched through their ContractLinks."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, FilteredRelation, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

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


def bill_list_for_user(user, link_uid, *, year=None, status=None, day=None):
    """ "vedi tutto": the bills of the last two years of one of the user's contracts, newest
    first, optionally of one year and one status, in ONE query (the link, its contract and
    its bills joined, the feed's payments as a subquery); Http404 for anyone else's link."""
    day = day or today()
    since = history_start(day)
    condition = Q(contract__bills__issued_on__gte=since)
    if year:
        condition &= Q(contract__bills__issued_on__year=year)
    rows = list(
        ContractLink.objects.filter(user=user, uid=link_uid)
        .annotate(bill=FilteredRelation("contract__bills", condition=condition))
        .annotate(feed_paid=_feed_paid(OuterRef("bill__number")))
        .values_list(*CONTRACT_FIELDS, *(f"bill__{name}" for name in BILL_FIELDS), "feed_paid")
        .order_by(F("bill__issued_on").desc(nulls_last=True), "-bill__id")
    )
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
