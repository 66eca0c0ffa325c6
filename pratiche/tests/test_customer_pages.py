import uuid

import pytest
from django.urls import reverse

from core.models import AuditEvent, OutboxMessage
from pratiche.forms import FORMS
from pratiche.models import Kind, Pratica, State

from .conftest import pdf_file

VARIAZIONE = reverse("pratiche:new", args=["variazione_anagrafica"])


def variazione_post(link, **extra):
    data = {
        "key": str(uuid.uuid4()),
        "contract": str(link.uid),
        "first_name": "Lucia",
        "last_name": "Bianchi",
        "codice_fiscale": "BNCLCU80A41G224W",
        "email": "lucia@example.com",
        "phone": "3331234567",
        "changes": ["recapito"],
        "new_street": "Via Garibaldi 7",
        "new_postcode": "35013",
        "new_town": "Cittadella (PD)",
        "declaration": "on",
        "azione": "invia",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_every_form_opens_prefilled(customer_client, link, kind):
    response = customer_client.get(reverse("pratiche:new", args=[kind]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["last_name"] == "Bianchi"
    assert form.initial["email"] == "lucia@example.com"
    if FORMS[kind].contract_mode:
        assert form.initial["contract"] == str(link.uid)
    content = response.content.decode()
    assert ("445/2000" in content) == FORMS[kind].declaration


def test_unknown_kind_is_404(customer_client):
    assert customer_client.get("/pratiche/nuova/non-esiste/").status_code == 404


def test_login_required(client):
    response = client.get(reverse("pratiche:list"))
    assert response.status_code == 302
    assert "/accedi/" in response["Location"]


def test_change_of_address_sent_with_protocol_mail_and_receipt(customer_client, customer, link):
    response = customer_client.post(VARIAZIONE, variazione_post(link))
    pratica = Pratica.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pratiche:detail", args=[pratica.uid])
    assert pratica.state == State.SENT
    assert pratica.protocol.startswith("PR-")
    assert pratica.contract == link.contract
    assert pratica.data["new_street"] == "Via Garibaldi 7"
    assert pratica.data["contract"] == link.contract.service_code
    assert ["Nuovo recapito: via e numero civico", "Via Garibaldi 7"] in pratica.summary
    assert pratica.due_on is not None
    assert pratica.declaration_version
    message = OutboxMessage.objects.get(kind="pratica_sent")
    assert message.to == "lucia@example.com"
    assert pratica.protocol in message.subject
    assert AuditEvent.objects.filter(action="pratiche.sent", object_id=str(pratica.pk)).exists()
    page = customer_client.get(response["Location"])
    assert pratica.protocol in page.content.decode()
    assert "Via Garibaldi 7" in page.content.decode()
    pdf = customer_client.get(reverse("pratiche:receipt", args=[pratica.uid]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_double_submit_stores_one_pratica(customer_client, link):
    data = variazione_post(link)
    first = customer_client.post(VARIAZIONE, data)
    second = customer_client.post(VARIAZIONE, data)
    assert Pratica.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert OutboxMessage.objects.filter(kind="pratica_sent").count() == 1


def test_errors_next_to_fields_keep_what_was_typed(customer_client, link):
    data = variazione_post(link, new_postcode="3501", codice_fiscale="XYZ")
    del data["declaration"]
    response = customer_client.post(VARIAZIONE, data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "Il CAP ha 5 cifre." in content
    assert "Il codice fiscale deve avere 16 caratteri" in content
    assert "Per inviare la pratica devi rendere la dichiarazione." in content
    assert 'value="Via Garibaldi 7"' in content
    assert not Pratica.objects.exists()


def test_contract_of_someone_else_is_refused(customer_client, link, stranger):
    from customers.tests.factories import LinkFactory

    other = LinkFactory(user=stranger)
    response = customer_client.post(VARIAZIONE, variazione_post(link, contract=str(other.uid)))
    assert response.status_code == 400
    assert not Pratica.objects.exists()


def test_draft_saved_then_completed_and_sent(customer_client, link):
    data = variazione_post(link, azione="bozza", new_street="", new_postcode="")
    del data["declaration"]
    data["doc_documento_identita"] = pdf_file()
    response = customer_client.post(VARIAZIONE, data)
    draft = Pratica.objects.get()
    assert draft.state == State.DRAFT
    assert draft.protocol is None
    assert response["Location"] == reverse(
        "pratiche:edit", args=["variazione_anagrafica", draft.uid]
    )
    assert draft.attachments.count() == 1
    assert not OutboxMessage.objects.exists()

    page = customer_client.get(response["Location"])
    assert page.status_code == 200
    assert "Già allegato: documento.pdf" in page.content.decode()
    assert page.context["form"].initial["new_town"] == "Cittadella (PD)"

    response = customer_client.post(
        response["Location"], variazione_post(link, key=str(draft.idempotency_key))
    )
    draft.refresh_from_db()
    assert draft.state == State.SENT
    assert draft.attachments.count() == 1
    assert any(label == "Allegati" for label, _value in draft.summary)
    listing = customer_client.get(reverse("pratiche:list"))
    assert draft.protocol in listing.content.decode()


def test_draft_with_a_bad_file_is_not_saved(customer_client, link):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = variazione_post(link, azione="bozza")
    data["doc_documento_identita"] = SimpleUploadedFile("finto.pdf", b"MZ\x90\x00 not a pdf")
    response = customer_client.post(VARIAZIONE, data)
    assert response.status_code == 400
    assert "non è un PDF, JPEG o PNG valido" in response.content.decode()
    assert not Pratica.objects.exists()


def test_delete_draft(customer_client, link):
    data = variazione_post(link, azione="bozza")
    customer_client.post(VARIAZIONE, data)
    draft = Pratica.objects.get()
    customer_client.post(reverse("pratiche:delete_draft", args=[draft.uid]))
    assert not Pratica.objects.exists()


def test_cancel_while_sent_only(customer_client, customer, link):
    customer_client.post(VARIAZIONE, variazione_post(link))
    pratica = Pratica.objects.get()
    customer_client.post(reverse("pratiche:cancel", args=[pratica.uid]))
    pratica.refresh_from_db()
    assert pratica.state == State.CANCELLED
    assert OutboxMessage.objects.filter(kind="pratica_state").count() == 1

    customer_client.post(VARIAZIONE, variazione_post(link))
    second = Pratica.objects.exclude(pk=pratica.pk).get()
    Pratica.objects.filter(pk=second.pk).update(state=State.IN_PROGRESS)
    response = customer_client.post(reverse("pratiche:cancel", args=[second.uid]), follow=True)
    second.refresh_from_db()
    assert second.state == State.IN_PROGRESS
    assert "non si può più annullare" in response.content.decode()


def test_customer_uploads_requested_document(customer_client, link):
    customer_client.post(VARIAZIONE, variazione_post(link))
    pratica = Pratica.objects.get()
    Pratica.objects.filter(pk=pratica.pk).update(state=State.INTEGRATION_REQUESTED)
    page = customer_client.get(reverse("pratiche:detail", args=[pratica.uid]))
    assert "Documenti richiesti" in page.content.decode()
    response = customer_client.post(
        reverse("pratiche:integrate", args=[pratica.uid]),
        {"document": pdf_file("delega.pdf"), "note": "Ecco la delega"},
    )
    assert response.status_code == 302
    pratica.refresh_from_db()
    assert pratica.state == State.INTEGRATED
    assert pratica.attachments.get().integration


def test_integration_with_bad_file_shows_error(customer_client, link):
    from django.core.files.uploadedfile import SimpleUploadedFile

    customer_client.post(VARIAZIONE, variazione_post(link))
    pratica = Pratica.objects.get()
    Pratica.objects.filter(pk=pratica.pk).update(state=State.INTEGRATION_REQUESTED)
    response = customer_client.post(
        reverse("pratiche:integrate", args=[pratica.uid]),
        {"document": SimpleUploadedFile("x.png", b"not an image at all")},
    )
    assert response.status_code == 400
    assert "non è un PDF, JPEG o PNG valido" in response.content.decode()
    pratica.refresh_from_db()
    assert pratica.state == State.INTEGRATION_REQUESTED


def test_stranger_gets_404_on_every_url(client, customer_client, customer, link, stranger):
    data = variazione_post(link)
    data["doc_documento_identita"] = pdf_file()
    customer_client.post(VARIAZIONE, data)
    pratica = Pratica.objects.get()
    attachment = pratica.attachments.get()
    draft_data = variazione_post(link, azione="bozza")
    customer_client.post(VARIAZIONE, draft_data)
    draft = Pratica.objects.get(state=State.DRAFT)
    client.force_login(stranger)
    urls = [
        reverse("pratiche:detail", args=[pratica.uid]),
        reverse("pratiche:receipt", args=[pratica.uid]),
        reverse("pratiche:attachment", args=[pratica.uid, attachment.uid]),
        reverse("pratiche:edit", args=["variazione_anagrafica", draft.uid]),
        reverse("pratiche:detail", args=[draft.uid]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("pratiche:cancel", args=[pratica.uid]),
        reverse("pratiche:integrate", args=[pratica.uid]),
        reverse("pratiche:delete_draft", args=[draft.uid]),
        reverse("pratiche:edit", args=["variazione_anagrafica", draft.uid]),
        reverse("pratiche:delivery_change", args=[link.uid]),
    ]
    for url in posts:
        assert client.post(url, {}).status_code == 404, url
    # Reusing another customer's form key does not touch their pratica.
    response = client.post(VARIAZIONE, {**draft_data, "key": str(draft.idempotency_key)})
    assert response.status_code == 404
    # Nor are the staff pages, for any customer (the owner included).
    for who in (stranger, customer):
        client.force_login(who)
        for url in (
            reverse("pratiche:staff_queue"),
            reverse("pratiche:staff_detail", args=[pratica.uid]),
            reverse("pratiche:staff_receipt", args=[pratica.uid]),
            reverse("pratiche:staff_attachment", args=[pratica.uid, attachment.uid]),
            reverse("pratiche:staff_attachment_file", args=[pratica.uid, attachment.uid]),
        ):
            assert client.get(url).status_code == 404, url
    pratica.refresh_from_db()
    assert pratica.state == State.SENT
    assert Pratica.objects.filter(pk=draft.pk).exists()


def test_attachment_served_as_download(customer_client, link):
    data = variazione_post(link)
    data["doc_documento_identita"] = pdf_file()
    customer_client.post(VARIAZIONE, data)
    pratica = Pratica.objects.get()
    attachment = pratica.attachments.get()
    response = customer_client.get(
        reverse("pratiche:attachment", args=[pratica.uid, attachment.uid])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_list_query_count(customer_client, customer, link, django_assert_max_num_queries):
    for _n in range(30):
        customer_client.post(VARIAZIONE, variazione_post(link))
    with django_assert_max_num_queries(12):
        response = customer_client.get(reverse("pratiche:list"))
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 20


def test_catalogue_lists_every_enabled_kind(customer_client):
    from pratiche.models import PraticaType

    PraticaType.objects.filter(kind=Kind.VOLTURA).update(enabled=False)
    content = customer_client.get(reverse("pratiche:catalogue")).content.decode()
    assert "Attivazione nuovo servizio" in content
    assert "Voltura" not in content
    assert customer_client.get(reverse("pratiche:new", args=["voltura"])).status_code == 404


def test_menu_entry(customer_client):
    response = customer_client.get(reverse("pratiche:list"))
    labels = [item["label"] for item in response.context["personal_sections"]]
    assert "Le mie pratiche" in labels


def test_home_card_next_to_the_other_apps_cards(customer_client, customer, link):
    customer_client.post(VARIAZIONE, variazione_post(link))
    html = customer_client.get("/").content.decode()
    assert "1 pratica in corso" in html
    assert reverse("pratiche:catalogue") in html
    assert "1 servizio collegato" in html  # the customers app's card is still there


def test_a_customer_without_contracts_is_told_to_link_one(customer_client):
    response = customer_client.get(reverse("pratiche:new", args=["cessazione"]))
    assert response.status_code == 200
    assert reverse("customers:link") in response.content.decode()


def test_a_forged_contract_value_is_an_error_not_a_crash(customer_client, link):
    data = variazione_post(link, contract="non-un-uuid")
    response = customer_client.post(
        reverse("pratiche:new", args=["cessazione"]), {**data, "final_reading": "1"}
    )
    assert response.status_code == 400


def test_same_key_twice_at_once_makes_one_row(customer):
    from django.db import transaction

    from pratiche import services

    key = uuid.uuid4()
    first = Pratica.objects.create(idempotency_key=key, kind="variazione_anagrafica", user=customer)
    # What the second of two simultaneous requests does when its lookup came too early.
    with transaction.atomic():
        second = services._new_pratica(user=customer, key=key, kind="variazione_anagrafica")
    assert second == first
    assert Pratica.objects.count() == 1
