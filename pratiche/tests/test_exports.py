import csv
import datetime
import json
import uuid

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.exports import export_data
from accounts.services.profile import delete_profile
from pratiche import services
from pratiche.exports import DELIVERY_HEADER, MANDATES_HEADER, PRATICHE_HEADER
from pratiche.models import DeliveryChange, Kind, Mandate, Pratica, State

MANDATE = {"iban": "IT60X0542811101000000123456", "bic": "BLOPIT22",
           "account_holder": "Lucia Bianchi", "account_holder_cf": "BNCLCU80A41G224W"}  # fmt: skip


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_export_round_trip(tmp_path, customer, link):
    pratica = services.submit_pratica(
        user=customer, kind=Kind.VARIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={"new_street": "Via Po, 2 \"bis\"", "changes": ["recapito"]}, summary=[],
    )  # fmt: skip
    services.submit_pratica(
        user=customer, kind=Kind.DOMICILIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[], mandate=MANDATE,
    )  # fmt: skip
    revoca = services.submit_pratica(
        user=customer, kind=Kind.REVOCA, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[],
    )  # fmt: skip
    services.save_draft(user=customer, kind=Kind.VOLTURA, key=uuid.uuid4(), contract=None,
                        data={})  # fmt: skip
    services.set_delivery(user=customer, contract=link.contract, by_email=True,
                          email=customer.email)  # fmt: skip
    services.set_delivery(user=customer, contract=link.contract, by_email=True,
                          email="altro@example.com")  # pending: not exported  # fmt: skip

    call_command("export_feed", str(tmp_path))
    rows = read(tmp_path / "pratiche.csv")
    assert tuple(rows[0]) == PRATICHE_HEADER
    by_id = {r[0]: dict(zip(PRATICHE_HEADER, r, strict=True)) for r in rows[1:]}
    assert len(by_id) == 3  # the draft stays in the portal
    row = by_id[str(pratica.uid)]
    assert row["protocol"] == pratica.protocol
    assert row["type"] == "variazione_anagrafica"
    assert row["service_code"] == link.contract.service_code
    assert row["state"] == "sent"
    assert json.loads(row["form_data"]) == pratica.data  # the JSON survives CSV quoting
    assert row["user_uid"] == str(customer.uid)

    delivery = read(tmp_path / "delivery.csv")
    assert tuple(delivery[0]) == DELIVERY_HEADER
    assert len(delivery) == 2
    assert delivery[1][1:4] == [link.contract.service_code, "yes", customer.email]

    mandates = read(tmp_path / "mandates.csv")
    assert tuple(mandates[0]) == MANDATES_HEADER
    events = [(r[1], r[2]) for r in mandates[1:]]
    mandate = Mandate.objects.get()
    assert events == [("signed", mandate.mandate_id), ("revoked", mandate.mandate_id)]
    assert mandates[2][0] == f"{revoca.protocol}:revoked"
    assert mandates[1][4] == "IT60X0542811101000000123456"

    # Run again: the same ids, so the billing system imports it safely twice.
    call_command("export_feed", str(tmp_path / "again"))
    assert read(tmp_path / "again" / "pratiche.csv") == rows


def test_since_brings_changed_pratiche_again(tmp_path, customer, link, operator):
    pratica = services.submit_pratica(
        user=customer, kind=Kind.VARIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[],
    )  # fmt: skip
    later = timezone.now() + datetime.timedelta(seconds=1)
    call_command("export_feed", str(tmp_path / "a"), since=later.isoformat())
    assert len(read(tmp_path / "a" / "pratiche.csv")) == 1
    Pratica.objects.filter(pk=pratica.pk).update(
        state=State.ACCEPTED, updated_at=later + datetime.timedelta(seconds=1)
    )
    call_command("export_feed", str(tmp_path / "b"), since=later.isoformat())
    rows = read(tmp_path / "b" / "pratiche.csv")
    assert [r[4] for r in rows[1:]] == ["accepted"]


def test_my_data_and_deletion(customer, link):
    sent = services.submit_pratica(
        user=customer, kind=Kind.DOMICILIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[["IBAN", "IT60 X054"]], mandate=MANDATE,
    )  # fmt: skip
    draft = services.save_draft(user=customer, kind=Kind.VOLTURA, key=uuid.uuid4(),
                                contract=None, data={})  # fmt: skip
    services.set_delivery(user=customer, contract=link.contract, by_email=True,
                          email="altro@example.com")  # fmt: skip
    data = export_data(customer)
    assert {p["protocollo"] for p in data["pratiche"]} == {sent.protocol, ""}
    assert data["mandati_sepa"][0]["iban"] == "IT60X0542811101000000123456"
    assert data["invio_bollette"][0]["indirizzo_email"] == "altro@example.com"

    delete_profile(user=customer)
    assert not Pratica.objects.filter(pk=draft.pk).exists()
    sent.refresh_from_db()
    assert sent.user is None  # the utility's record stays, detached
    assert Mandate.objects.get().pratica == sent
    assert not DeliveryChange.objects.exists()  # the unconfirmed change went


def test_my_data_page_includes_pratiche(customer_client, customer, link):
    services.submit_pratica(
        user=customer, kind=Kind.VARIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[],
    )  # fmt: skip
    response = customer_client.get(reverse("accounts:my_data"))
    assert response.status_code == 200
