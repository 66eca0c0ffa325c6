from decimal import Decimal

import pytest

from core.registry import registry
from payments.exports import payments_since
from payments.models import Payment
from payments.services import set_payment_state, start_payment

from .helpers import payable_bill

pytestmark = pytest.mark.django_db


def test_payments_csv_lists_confirmed_payments(alice):
    bill = payable_bill(alice, amount=Decimal("12.30"))
    payment = start_payment(user=alice, bill=bill)
    rows = payments_since()
    assert rows == [rows[0]]  # a pending attempt is not reconciled
    set_payment_state(payment=payment, state=Payment.State.CONFIRMED, reference="AUT1")
    header, row = payments_since()
    assert header[:5] == ("id", "bill_number", "amount", "codtrans", "codaut")
    assert row[:6] == (str(payment.uid), bill.number, "12.30", payment.code, "AUT1", "confirmed")
    assert row[6].endswith("Z")
    later = payments_since(payment.updated_at.replace(year=payment.updated_at.year + 1))
    assert len(later) == 1
    assert "payments.csv" in dict(registry.export_files())


def test_data_export_and_deletion(alice):
    bill = payable_bill(alice)
    start_payment(user=alice, bill=bill)
    sections = dict(registry.export_sections(alice))
    assert sections["pagamenti"][0]["Documento"] == bill.number
    assert sections["bollette"][0]["Documento"] == bill.number
    registry.delete_personal_data(user=alice)
    alice.delete()
    payment = Payment.objects.get()
    assert payment.user is None and payment.email == ""
