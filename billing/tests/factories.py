import datetime
from decimal import Decimal

import factory
from fpdf import FPDF

from billing.models import Bill, FeedPayment
from customers.tests.factories import ContractFactory, LinkFactory


class BillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bill

    number = factory.Sequence(lambda n: f"2026/{n + 1:06d}")
    contract = factory.SubFactory(ContractFactory)
    issued_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=10))
    due_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=20))
    amount = Decimal("258.00")
    checksum = "x"


class FeedPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedPayment

    bill_number = "2026/000001"
    paid_on = factory.LazyFunction(datetime.date.today)
    amount = Decimal("10.00")
    channel = "bank"
    checksum = "x"


def linked_contract(user, **contract):
    """A contract linked to `user`."""
    return LinkFactory(user=user, contract=ContractFactory(**contract)).contract


def pdf_bytes(text="Bolletta di prova"):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())
