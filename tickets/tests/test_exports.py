"""requests.csv of export_feed, "Scarica i miei dati" and "Elimina profilo"."""

import csv
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import uploads
from core.registry import registry
from customers.tests.factories import LinkFactory
from tickets import exports, services
from tickets.models import Area, Kind, Ticket

from .factories import TicketFactory, pdf_file

pytestmark = pytest.mark.django_db


def test_requests_csv_from_export_feed(tmp_path, alice, charlie):
    link = LinkFactory(user=alice)
    ticket = TicketFactory(user=alice, contract=link.contract, kind=Kind.COMPLAINT)
    services.publish_answer(ticket=ticket, actor=charlie, text="ok")
    Ticket.objects.filter(pk=ticket.pk).update(indemnity=Decimal("60"))
    call_command("export_feed", str(tmp_path))
    with open(tmp_path / "requests.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == exports.REQUESTS_HEADER
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["request_id"] == str(ticket.uid) and row["protocol"] == ticket.protocol
    assert row["customer_code"] == link.contract.holder.customer_code
    assert row["service_code"] == link.contract.service_code
    assert row["user_uid"] == str(alice.uid)
    assert (row["area"], row["type"]) == ("water", "complaint")
    assert row["answered_at"].endswith("+00:00") and row["working_days"] == "0"
    assert row["indemnity"] == "60.00"


def test_requests_since_gives_only_changed_rows(alice):
    old = TicketFactory(user=alice)
    Ticket.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    new = TicketFactory(user=alice)
    rows = list(exports.requests_since(timezone.now() - timedelta(days=1)))
    assert [r[0] for r in rows[1:]] == [str(new.uid)]


def test_my_data_lists_requests_without_internal_notes(alice, charlie):
    ticket = TicketFactory(user=alice, subject="Perdita")
    services.add_note(ticket=ticket, actor=charlie, text="segreto interno")
    services.publish_answer(ticket=ticket, actor=charlie, text="Risposta pubblica")
    sections = dict(registry.export_sections(alice))
    (item,) = sections["richieste_e_reclami"]
    assert item["protocollo"] == ticket.protocol and item["oggetto"] == "Perdita"
    assert any("Risposta pubblica" in m for m in item["messaggi"])
    assert not any("segreto" in m for m in item["messaggi"])


def test_profile_deletion_keeps_the_record_without_the_person(
    alice, django_capture_on_commit_callbacks
):
    ticket, _ = services.submit_ticket(
        user=alice, idempotency_key=uuid.uuid4(), area=Area.WATER, kind=Kind.COMPLAINT,
        subject="Mio reclamo", text="dati personali", files=services.check_files([pdf_file()]),
        details={"holder_name": "Alice", "reply_address": "alice@example.com"},
    )  # fmt: skip
    stored = ticket.attachments.get().file
    assert uploads.private_storage().exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        registry.delete_personal_data(user=alice)
        alice.delete()
    ticket.refresh_from_db()
    assert ticket.user is None and ticket.protocol and ticket.text == ""
    assert ticket.holder_name == "" and ticket.reply_address == ""
    assert not ticket.attachments.exists()
    assert not uploads.private_storage().exists(stored)


def test_typed_codes_are_exported_only_when_they_name_a_contract_the_customer_linked(alice):
    """The billing system credits the indemnity to the exported codice cliente: a code the
    customer typed for someone else's account is not exported."""
    link = LinkFactory(user=alice)
    own = TicketFactory(
        user=alice,
        customer_code=link.contract.holder.customer_code,
        service_code=link.contract.service_code,
    )
    foreign = TicketFactory(user=alice, customer_code="999999", service_code="8888888888")
    rows = {row[0]: row for row in list(exports.requests_since())[1:]}
    assert rows[str(own.uid)][2] == link.contract.holder.customer_code
    assert rows[str(own.uid)][4] == link.contract.service_code
    assert rows[str(foreign.uid)][2] == "" and rows[str(foreign.uid)][4] == ""
