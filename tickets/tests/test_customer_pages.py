"""The customer's pages: the list, "Nuova richiesta" (RQSII fields, attachments checked by
content, a double submit files one), the conversation, and 404 for anyone else's."""

import uuid

import pytest
from django.core import mail as django_mail  # noqa: F401
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent, OutboxMessage
from customers.tests.factories import ContractFactory, LinkFactory
from tickets import services
from tickets.models import Area, Attachment, Kind, Message, Ticket

from .factories import TicketFactory, pdf_file, png_file

pytestmark = pytest.mark.django_db


def new_ticket_data(**overrides):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "area": Area.WASTE,
        "kind": Kind.INFORMATION,
        "subject": "Calendario della raccolta",
        "text": "Quando passa il camion della carta?",
    }
    data.update(overrides)
    return data


def water_complaint(**overrides):
    return new_ticket_data(
        area=Area.WATER,
        kind=Kind.COMPLAINT,
        subject="Consumi anomali",
        text="Il contatore segna consumi impossibili.",
        holder_name="Alice Rossi",
        customer_code="100001",
        supply_address="Via Roma 1, Villa del Conte",
        reply_address="alice@example.com",
        meter_complaint="on",
        meter_check="on",
        **overrides,
    )


def test_menu_entry_and_empty_list(client, alice):
    client.force_login(alice)
    html = client.get(reverse("tickets:list")).content.decode()
    assert 'aria-current="page">Richieste e reclami</a>' in html
    assert "Non hai ancora inviato richieste." in html
    assert reverse("tickets:new") in html


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 302 and "/accedi/" in response["Location"]


def test_filing_gives_a_protocol_a_due_date_and_a_mail(client, alice):
    client.force_login(alice)
    response = client.post(reverse("tickets:new"), new_ticket_data(files=[pdf_file()]))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.uid]) + "?inviata=1"
    assert ticket.protocol.startswith("RR-") and ticket.status == Ticket.Status.SUBMITTED
    assert ticket.attachments.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert ticket.protocol in page
    assert f"Risposta prevista entro il {ticket.due_on:%d/%m/%Y}" in page
    sent = OutboxMessage.objects.get(kind="ticket_received")
    assert sent.to == alice.email
    assert ticket.protocol in sent.subject and ticket.due_on.strftime("%d/%m/%Y") in sent.body_text
    assert "camion della carta" not in sent.body_text  # never the content
    assert AuditEvent.objects.filter(action="tickets.submit", object_id=str(ticket.pk)).exists()


def test_double_submit_files_one_request(client, alice):
    client.force_login(alice)
    data = new_ticket_data()
    first = client.post(reverse("tickets:new"), data)
    second = client.post(reverse("tickets:new"), data)
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert OutboxMessage.objects.filter(kind="ticket_received").count() == 1


def test_water_complaint_asks_for_the_rqsii_fields(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("tickets:new"), new_ticket_data(area=Area.WATER, kind=Kind.COMPLAINT)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"holder_name", "supply_address", "reply_address", "customer_code"}
    html = response.content.decode()
    assert "Indica l&#x27;indirizzo di fornitura." in html
    assert "Quando passa il camion della carta?" in html  # what was typed is kept
    assert not Ticket.objects.exists()


def test_water_complaint_with_meter_check_states_and_stores_the_cost(client, alice, settings):
    settings.TICKETS_METER_CHECK_COST = "48.50"
    client.force_login(alice)
    assert "costa 48,50 €" in client.get(reverse("tickets:new")).content.decode()
    client.post(reverse("tickets:new"), water_complaint())
    ticket = Ticket.objects.get()
    assert ticket.meter_check and ticket.meter_complaint
    assert str(ticket.meter_check_cost) == "48.50"
    assert ticket.holder_name == "Alice Rossi" and ticket.reply_address == "alice@example.com"


def test_rqsii_fields_are_ignored_outside_water_complaints(client, alice):
    client.force_login(alice)
    client.post(reverse("tickets:new"), new_ticket_data(holder_name="X", meter_check="on"))
    ticket = Ticket.objects.get()
    assert ticket.holder_name == "" and not ticket.meter_check


def test_only_the_customers_own_contracts_can_be_chosen(client, alice, bob):
    mine = LinkFactory(user=alice).contract
    other = LinkFactory(user=bob).contract
    client.force_login(alice)
    html = client.get(reverse("tickets:new")).content.decode()
    assert mine.service_code in html and other.service_code not in html
    response = client.post(reverse("tickets:new"), new_ticket_data(contract=str(other.pk)))
    assert "contract" in response.context["form"].errors
    client.post(reverse("tickets:new"), new_ticket_data(contract=str(mine.pk)))
    assert Ticket.objects.get().contract == mine


def test_attachments_are_refused_by_content_not_by_name(client, alice):
    client.force_login(alice)
    fake = SimpleUploadedFile("bolletta.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")
    response = client.post(reverse("tickets:new"), new_ticket_data(files=[fake]))
    assert response.status_code == 200
    assert "non è un PDF, JPEG, PNG o HEIC valido" in response.content.decode()
    assert not Ticket.objects.exists()
    # A real PNG named .pdf is accepted as what it is.
    client.post(reverse("tickets:new"), new_ticket_data(files=[png_file("strano.pdf")]))
    assert Attachment.objects.get().kind == "png"


def test_at_most_five_attachments(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("tickets:new"), new_ticket_data(files=[pdf_file(f"{i}.pdf") for i in range(6)])
    )
    assert "al massimo 5 file" in response.content.decode()
    assert not Ticket.objects.exists()


def test_too_large_attachment_is_refused(client, alice, monkeypatch):
    from core import uploads

    monkeypatch.setattr(uploads, "MAX_BYTES", 10)
    monkeypatch.setattr(services.uploads, "check_upload", _small_check(uploads.check_upload))
    client.force_login(alice)
    response = client.post(reverse("tickets:new"), new_ticket_data(files=[pdf_file()]))
    assert "troppo grande" in response.content.decode()


def _small_check(check):
    def wrapped(file, *, kinds, max_bytes=None):
        return check(file, kinds=kinds, max_bytes=10)

    return wrapped


def test_a_strangers_request_and_attachment_are_404(client, alice, bob):
    ticket, _ = services.submit_ticket(
        user=alice, idempotency_key=uuid.uuid4(), area=Area.WATER, kind=Kind.REPORT,
        subject="Perdita", text="In strada", files=services.check_files([pdf_file()]),
    )  # fmt: skip
    attachment = ticket.attachments.get()
    client.force_login(bob)
    assert client.get(reverse("tickets:detail", args=[ticket.uid])).status_code == 404
    assert (
        client.post(reverse("tickets:detail", args=[ticket.uid]), {"text": "x"}).status_code == 404
    )
    assert client.get(reverse("tickets:attachment", args=[attachment.uid])).status_code == 404
    assert not client.get(reverse("tickets:list")).context["page_obj"].object_list
    client.force_login(alice)
    response = client.get(reverse("tickets:attachment", args=[attachment.uid]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert ticket.protocol in response["Content-Disposition"]


def test_customer_never_sees_internal_notes(client, alice, charlie):
    ticket = TicketFactory(user=alice)
    services.add_note(ticket=ticket, actor=charlie, text="Cliente già sentito al telefono")
    services.publish_answer(ticket=ticket, actor=charlie, text="Ecco la risposta.")
    client.force_login(alice)
    html = client.get(reverse("tickets:detail", args=[ticket.uid])).content.decode()
    assert "Ecco la risposta." in html
    assert "già sentito" not in html


def test_answer_mail_holds_no_content_and_links_the_request(alice, charlie):
    ticket = TicketFactory(user=alice)
    services.publish_answer(ticket=ticket, actor=charlie, text="Il rimborso è di 12 euro.")
    sent = OutboxMessage.objects.get(kind="ticket_answered")
    assert "12 euro" not in sent.body_text and "12 euro" not in sent.body_html
    assert reverse("tickets:detail", args=[ticket.uid]) in sent.body_text
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANSWERED


def test_customer_message_reopens_an_answered_request(client, alice, charlie):
    ticket = TicketFactory(user=alice)
    services.publish_answer(ticket=ticket, actor=charlie, text="Risposta")
    client.force_login(alice)
    response = client.post(
        reverse("tickets:detail", args=[ticket.uid]),
        {"text": "Grazie, ma manca un dato.", "files": [pdf_file()]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TAKEN
    message = Message.objects.get(sender=Message.Sender.CUSTOMER)
    assert message.attachments.count() == 1


def test_closed_request_reopens_only_within_the_window(client, alice, charlie, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.TICKETS_REOPEN_DAYS = 10
    ticket = TicketFactory(user=alice)
    services.close(ticket=ticket, actor=charlie)
    client.force_login(alice)
    url = reverse("tickets:detail", args=[ticket.uid])
    assert "verrà riaperta" in client.get(url).content.decode()
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=11))
    html = client.get(url).content.decode()
    assert "chiusa da più di 10 giorni" in html
    response = client.post(url, {"text": "Riapro"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=9))
    assert client.post(url, {"text": "Riapro"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TAKEN and ticket.closed_at is None


def test_indemnity_is_shown_to_the_customer(client, alice):
    from decimal import Decimal

    ticket = TicketFactory(user=alice, kind=Kind.COMPLAINT, indemnity=Decimal("30.00"))
    client.force_login(alice)
    html = client.get(reverse("tickets:detail", args=[ticket.uid])).content.decode()
    assert "Indennizzo automatico: 30,00 €, sarà accreditato in bolletta." in html


def test_list_query_count(client, alice, django_assert_max_num_queries):
    contract = ContractFactory()
    LinkFactory(user=alice, contract=contract)
    for _ in range(30):
        TicketFactory(user=alice, contract=contract)
    client.force_login(alice)
    client.get(reverse("tickets:list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tickets:list"))
    assert len(response.context["page_obj"].object_list) == 25


def test_home_card_counts_open_requests(client, alice):
    TicketFactory(user=alice)
    TicketFactory(user=alice, status=Ticket.Status.CLOSED)
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "1 richiesta aperta" in html
    assert f'href="{reverse("tickets:new")}"' in html


def test_too_many_requests_in_a_day_keep_what_was_typed(client, alice, settings):
    settings.TICKETS_SUBMIT_LIMIT = 2
    client.force_login(alice)
    for _ in range(2):
        assert client.post(reverse("tickets:new"), new_ticket_data()).status_code == 302
    again = new_ticket_data(subject="La terza")
    response = client.post(reverse("tickets:new"), again)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Hai inviato molte richieste oggi" in html and "La terza" in html
    assert Ticket.objects.count() == 2
    # A form sent again (same key) is not a new request: it shows the one filed.
    first_key = Ticket.objects.order_by("pk").first().idempotency_key
    resent = client.post(reverse("tickets:new"), new_ticket_data(idempotency_key=str(first_key)))
    assert resent.status_code == 302


def test_contract_page_lists_its_requests_and_preselects_it(client, alice, bob):
    from customers.models import Contract

    link = LinkFactory(user=alice, contract=ContractFactory(service=Contract.Service.WASTE))
    mine = TicketFactory(user=alice, contract=link.contract, subject="Sul contratto")
    TicketFactory(user=alice, subject="Altro")
    client.force_login(alice)
    html = client.get(reverse("customers:contract", args=[link.uid])).content.decode()
    assert mine.protocol in html and "Altro" not in html
    new_url = f"{reverse('tickets:new')}?utenza={link.uid}"
    assert new_url in html
    form = client.get(new_url).context["form"]
    assert form.initial["contract"] == link.contract_id and form.initial["area"] == Area.WASTE
    # Someone else's link preselects nothing.
    other = LinkFactory(user=bob)
    form = client.get(f"{reverse('tickets:new')}?utenza={other.uid}").context["form"]
    assert "contract" not in form.initial
