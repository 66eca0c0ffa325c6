"""Each form of the catalogue, sent through its page: its own fields, documents and checks."""

import datetime
import uuid

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from pratiche.models import Kind, Mandate, Pratica, State

from .conftest import pdf_file, png_file

CF_OUT = "RSSMRA85T10A562S"


def applicant(**extra):
    return {
        "key": str(uuid.uuid4()),
        "first_name": "Lucia",
        "last_name": "Bianchi",
        "codice_fiscale": "BNCLCU80A41G224W",
        "email": "lucia@example.com",
        "azione": "invia",
        **extra,
    }


def post(client, kind, data):
    return client.post(reverse("pratiche:new", args=[kind]), data)


def today(days=0):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_voltura_with_documents(customer_client):
    response = post(
        customer_client,
        "voltura",
        applicant(
            service_code="2002000123",
            outgoing_holder="Mario Rossi",
            outgoing_cf=CF_OUT,
            reason="successione",
            reading="1234",
            reading_date=today(-1),
            property_title="proprietario",
            declaration="on",
            doc_documento_identita=pdf_file("ci.pdf"),
            doc_consenso=png_file("successione.png"),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    pratica = Pratica.objects.get()
    assert pratica.kind == Kind.VOLTURA
    assert pratica.contract is None
    assert pratica.data["outgoing_cf"] == CF_OUT
    assert pratica.data["reading"] == 1234
    assert {a.slot for a in pratica.attachments.all()} == {"documento_identita", "consenso"}
    png = pratica.attachments.get(slot="consenso")
    assert png.file_kind == "png"
    assert ["Motivo della voltura", "Successione ereditaria"] in pratica.summary


def test_voltura_needs_the_consent_document(customer_client):
    response = post(
        customer_client,
        "voltura",
        applicant(
            service_code="2002000123", outgoing_holder="Mario Rossi", outgoing_cf="XXX",
            reason="consenso", reading="12", reading_date=today(), property_title="locatario",
            declaration="on", doc_documento_identita=pdf_file(),
        ),
    )  # fmt: skip
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["doc_consenso"] == ["Allega questo documento."]
    assert "outgoing_cf" in form.errors


def test_attivazione(customer_client):
    data = applicant(
        service="water", request_type="fornitura", use="domestic", property_title="locatario",
        supply_street="Via Nuova 1", supply_postcode="35010", supply_town="Villa del Conte (PD)",
        wanted_on=today(10), declaration="on",
        doc_documento_identita=pdf_file(), doc_titolo_immobile=pdf_file("affitto.pdf"),
    )  # fmt: skip
    response = post(customer_client, "attivazione", data)
    assert response.status_code == 400
    assert "Scrivi quante persone abitano" in response.content.decode()
    data.update(
        residents="3", doc_documento_identita=pdf_file(), doc_titolo_immobile=pdf_file("a.pdf")
    )
    assert post(customer_client, "attivazione", data).status_code == 302
    assert Pratica.objects.get().data["supply_town"] == "Villa del Conte (PD)"


def test_subentro_final_reading_not_in_the_future(customer_client):
    data = applicant(
        previous_holder="Mario Rossi", meter_serial="2002002008", final_reading="870",
        reading_date=today(2), use="domestic", property_title="proprietario",
        supply_street="Via Roma 1", supply_postcode="35010", supply_town="Villa del Conte",
        declaration="on", doc_documento_identita=pdf_file(), doc_titolo_immobile=pdf_file(),
    )  # fmt: skip
    response = post(customer_client, "subentro", data)
    assert response.status_code == 400
    assert "non può essere futura" in response.content.decode()
    data.update(
        reading_date=today(), doc_documento_identita=pdf_file(), doc_titolo_immobile=pdf_file()
    )
    assert post(customer_client, "subentro", data).status_code == 302
    assert Pratica.objects.get().data["final_reading"] == 870


def test_cessazione_only_for_active_contracts(customer_client, customer, link):
    from customers.tests.factories import ContractFactory, LinkFactory

    closed = LinkFactory(user=customer, contract=ContractFactory(status="terminated"))
    page = customer_client.get(reverse("pratiche:new", args=["cessazione"]))
    choices = dict(page.context["form"].fields["contract"].choices)
    assert str(link.uid) in choices
    assert str(closed.uid) not in choices
    data = applicant(
        contract=str(link.uid), final_reading="1500", reading_date=today(), wanted_on=today(5),
        last_bill_street="Via Po 2", last_bill_postcode="35100", last_bill_town="Padova",
        declaration="on",
    )  # fmt: skip
    assert post(customer_client, "cessazione", data).status_code == 302
    pratica = Pratica.objects.get()
    assert pratica.contract == link.contract


def test_bill_clarification_with_the_typed_number_when_billing_is_absent(
    customer_client, link, monkeypatch
):
    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "billing" and real(name))
    page = customer_client.get(reverse("pratiche:new", args=["chiarimenti_bolletta"]))
    field = page.context["form"].fields["bill_number"]
    assert field.__class__.__name__ == "CharField"
    data = applicant(
        contract=str(link.uid), bill_number="2026/000123", request_type="rettifica",
        topic="consumi", description="La lettura è sbagliata.",
    )  # fmt: skip
    assert post(customer_client, "chiarimenti_bolletta", data).status_code == 302
    assert Pratica.objects.get().data["bill_number"] == "2026/000123"


@pytest.mark.skipif(not apps.is_installed("billing"), reason="billing is not installed")
def test_bill_clarification_picks_the_bill_from_billing(customer_client, link, stranger):
    from customers.tests.factories import LinkFactory

    bill_model = apps.get_model("billing", "Bill")
    known = {f.name for f in bill_model._meta.get_fields()}

    def bill(number, contract):
        values = {"number": number, "contract": contract, "uid": uuid.uuid4(),
                  "issued_on": datetime.date(2026, 10, 1), "due_on": datetime.date(2026, 11, 1),
                  "amount": "258.00", "checksum": "x"}  # fmt: skip
        return bill_model.objects.create(**{k: v for k, v in values.items() if k in known})

    mine = bill("2026/000777", link.contract)
    other = bill("2026/000888", LinkFactory(user=stranger).contract)
    page = customer_client.get(reverse("pratiche:new", args=["chiarimenti_bolletta"]))
    choices = dict(page.context["form"].fields["bill_number"].choices)
    assert mine.number in choices
    assert other.number not in choices
    assert "258,00 €" in choices[mine.number]
    data = applicant(
        contract=str(link.uid), bill_number=other.number, request_type="chiarimenti",
        topic="tariffa", description="?",
    )  # fmt: skip
    assert post(customer_client, "chiarimenti_bolletta", data).status_code == 400
    data["bill_number"] = mine.number
    assert post(customer_client, "chiarimenti_bolletta", data).status_code == 302


def test_direct_debit_wrong_then_right_iban(customer_client, link):
    data = applicant(
        contract=str(link.uid), iban="IT60 X054 2811 1010 0000 0123 457",
        account_holder="Lucia Bianchi", account_holder_cf="BNCLCU80A41G224W",
        accept_mandate="on",
    )  # fmt: skip
    response = post(customer_client, "domiciliazione", data)
    assert response.status_code == 400
    assert response.context["form"].errors["iban"] == [
        "L'IBAN non è valido: controlla le cifre, una è sbagliata o scambiata."
    ]
    assert 'value="IT60 X054 2811 1010 0000 0123 457"' in response.content.decode()
    data["iban"] = "IT60 X054 2811 1010 0000 0123 456"
    assert post(customer_client, "domiciliazione", data).status_code == 302
    pratica = Pratica.objects.get()
    mandate = Mandate.objects.get()
    assert mandate.pratica == pratica
    assert mandate.iban == "IT60X0542811101000000123456"
    assert mandate.bic == "BLOPIT22"
    assert mandate.account_holder_cf == "BNCLCU80A41G224W"
    assert any(label == "Mandato sottoscritto" for label, _v in pratica.summary)


def test_direct_debit_needs_the_mandate_accepted(customer_client, link):
    data = applicant(
        contract=str(link.uid), iban="IT60X0542811101000000123456",
        account_holder="Lucia Bianchi", account_holder_cf="BNCLCU80A41G224W",
    )  # fmt: skip
    response = post(customer_client, "domiciliazione", data)
    assert response.status_code == 400
    assert "sottoscrivere il mandato" in response.content.decode()
    assert not Mandate.objects.exists()


def test_revocation_needs_a_direct_debit(customer_client, link):
    data = applicant(contract=str(link.uid), confirm="on")
    response = post(customer_client, "revoca_domiciliazione", data)
    assert response.status_code == 400
    assert "non ha la domiciliazione bancaria" in response.content.decode()
    link.contract.direct_debit = True
    link.contract.save()
    assert post(customer_client, "revoca_domiciliazione", data).status_code == 302
    assert Pratica.objects.get().state == State.SENT
