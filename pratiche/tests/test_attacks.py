"""An outsider's attacks on "Le mie pratiche": other people's ids, forged form values, replayed
links, staff pages without the right, forbidden moves, bad files, double submits, CSRF,
personal data in URLs and logs, N+1 queries, the export files."""

import csv
import datetime
import logging
import re
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login_verified
from core.models import OutboxMessage
from customers.tests.factories import ContractFactory, LinkFactory
from pratiche import selectors, services
from pratiche.forms import FORMS
from pratiche.models import Attachment, DeliveryChange, Kind, Mandate, Pratica, State

from .conftest import pdf_file, png_file
from .test_catalogue import applicant
from .test_receipt import pdf_text

MANDATE = {"iban": "IT60X0542811101000000123456", "bic": "BLOPIT22",
           "account_holder": "Lucia Bianchi", "account_holder_cf": "BNCLCU80A41G224W"}  # fmt: skip
IBAN = "IT60X0542811101000000123456"


def new_url(kind):
    return reverse("pratiche:new", args=[kind])


def sent_pratica(customer, link, kind=Kind.VARIAZIONE, files=()):
    return services.submit_pratica(
        user=customer, kind=kind, key=uuid.uuid4(), contract=link.contract if link else None,
        data={"new_street": "Via Garibaldi 7"}, summary=[["Via", "Via Garibaldi 7"]],
        files=files,
    )  # fmt: skip


def verified(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user.otp_device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    user.is_verified = lambda: True
    return user


def client_for(user=None, *, verify=False, csrf=False):
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        if verify:
            login_verified(client, user)
        else:
            client.force_login(user)
    return client


def domiciliazione_post(link, **extra):
    values = {"contract": str(link.uid), "iban": "IT60 X054 2811 1010 0000 0123 456",
              "account_holder": "Lucia Bianchi", "account_holder_cf": "BNCLCU80A41G224W",
              "accept_mandate": "on"}  # fmt: skip
    return applicant(**{**values, **extra})


def variazione_post(link, **extra):
    values = {"contract": str(link.uid), "changes": ["recapito"],
              "new_street": "Via Garibaldi 7", "new_postcode": "35013",
              "new_town": "Cittadella (PD)", "declaration": "on"}  # fmt: skip
    return applicant(**{**values, **extra})


# --- another customer's ids ---------------------------------------------------------------


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_a_draft_of_every_kind_is_404_to_a_stranger(customer, link, stranger, kind):
    draft = services.save_draft(
        user=customer, kind=kind, key=uuid.uuid4(), contract=link.contract,
        data={"notes": "segreto"}, files=[("documento_identita", "Documento", pdf_file())],
    )  # fmt: skip
    attachment = draft.attachments.get()
    client = client_for(stranger)
    edit = reverse("pratiche:edit", args=[kind, draft.uid])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"azione": "bozza", "key": str(uuid.uuid4())}).status_code == 404
    assert client.post(edit, {"azione": "invia"}).status_code == 404
    for url in (
        reverse("pratiche:detail", args=[draft.uid]),
        reverse("pratiche:attachment", args=[draft.uid, attachment.uid]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("pratiche:delete_draft", args=[draft.uid])).status_code == 404
    assert client.post(reverse("pratiche:cancel", args=[draft.uid])).status_code == 404
    # The form's key of someone else's draft, sent through the new form: refused too.
    response = client.post(new_url(kind), {"azione": "bozza", "key": str(draft.idempotency_key)})
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    assert draft.data == {"notes": "segreto"}
    assert draft.user == customer


@pytest.mark.parametrize("kind", [k.value for k in Kind if FORMS[k].contract_mode])
def test_the_form_is_not_prefilled_from_another_customers_contract(customer, link, stranger, kind):
    link.contract.holder.last_name = "Segretissimo"
    link.contract.holder.save()
    page = client_for(stranger).get(new_url(kind), {"servizio": str(link.uid)})
    assert page.status_code == 200
    assert page.context["form"].initial.get("contract") in (None, "")
    content = page.content.decode()
    assert "Segretissimo" not in content
    assert link.contract.service_code not in content


@pytest.mark.parametrize("kind", [k.value for k in Kind if FORMS[k].contract_mode])
def test_a_contract_not_linked_in_the_post_is_an_italian_error_next_to_it(
    customer, link, stranger, kind
):
    other = LinkFactory(user=stranger)
    client = client_for(customer)
    for forged in (str(other.uid), str(uuid.uuid4())):
        response = client.post(new_url(kind), applicant(contract=forged))
        assert response.status_code == 400
        errors = response.context["form"].errors["contract"]
        assert errors == ["Scegli uno dei tuoi servizi."]
        assert "Scegli uno dei tuoi servizi." in response.content.decode()
        # A draft with a forged contract stores none.
        response = client.post(new_url(kind), applicant(contract=forged, azione="bozza"))
        assert response.status_code == 302
    assert not Pratica.objects.exclude(state=State.DRAFT).exists()
    assert not Pratica.objects.filter(contract=other.contract).exists()


def test_a_bill_of_another_customer_is_refused(customer, link, stranger):
    from django.apps import apps

    bill_model = apps.get_model("billing", "Bill")

    def bill(number, contract):
        return bill_model.objects.create(
            number=number, contract=contract, issued_on=datetime.date(2026, 10, 1),
            due_on=datetime.date(2026, 11, 1), amount="99.00", checksum="x",
        )  # fmt: skip

    bill("2026/000999", LinkFactory(user=stranger).contract)
    mine_elsewhere = bill("2026/000555", LinkFactory(user=customer).contract)
    client = client_for(customer)
    data = applicant(
        contract=str(link.uid), request_type="chiarimenti", topic="tariffa", description="?"
    )
    for number in ("2026/000999", mine_elsewhere.number):
        response = client.post(new_url("chiarimenti_bolletta"), {**data, "bill_number": number})
        assert response.status_code == 400
        assert response.context["form"].errors["bill_number"]
        message = response.context["form"].errors["bill_number"][0]
        assert "bollett" in message
        assert "2026/000999" not in message
    assert not Pratica.objects.exclude(state=State.DRAFT).exists()


def test_integration_upload_and_files_of_another_customer_are_404(customer, link, stranger):
    pratica = sent_pratica(customer, link, files=[("documento_identita", "Documento", pdf_file())])
    Pratica.objects.filter(pk=pratica.pk).update(state=State.INTEGRATION_REQUESTED)
    mine = sent_pratica(stranger, LinkFactory(user=stranger))
    theirs = pratica.attachments.get()
    client = client_for(stranger)
    response = client.post(
        reverse("pratiche:integrate", args=[pratica.uid]), {"document": pdf_file()}
    )
    assert response.status_code == 404
    assert pratica.attachments.count() == 1
    # Their own pratica's uid with someone else's attachment uid: 404 as well.
    assert (
        client.get(reverse("pratiche:attachment", args=[mine.uid, theirs.uid])).status_code == 404
    )
    assert client.get(reverse("pratiche:receipt", args=[pratica.uid])).status_code == 404
    pratica.refresh_from_db()
    assert pratica.state == State.INTEGRATION_REQUESTED


def test_delivery_pages_of_another_customer(customer, link, stranger):
    client = client_for(stranger)
    page = client.get(reverse("pratiche:delivery"))
    assert link.contract.service_code not in page.content.decode()
    response = client.post(
        reverse("pratiche:delivery_change", args=[link.uid]),
        {f"c{link.pk}-by_email": "0"},
    )
    assert response.status_code == 404
    assert not DeliveryChange.objects.exists()


# --- the confirmation link for bills by e-mail ---------------------------------------------


def _ask_other_address(customer, link, email="studio@example.com"):
    change, token = services.set_delivery(
        user=customer, contract=link.contract, by_email=True, email=email
    )
    return change, reverse("pratiche:delivery_confirm", args=[token]), token


def test_confirmation_get_confirms_nothing_and_the_token_is_not_stored(customer, link):
    change, url, token = _ask_other_address(customer, link)
    for _n in range(3):
        assert Client().get(url).status_code == 200
        assert Client().head(url).status_code == 200
    change.refresh_from_db()
    assert change.effective_at is None
    assert token not in change.token_hash
    assert not DeliveryChange.objects.filter(token_hash=token).exists()


def test_confirmation_replayed(customer, link):
    change, url, _token = _ask_other_address(customer, link)
    assert Client().post(url).status_code == 200
    change.refresh_from_db()
    first = change.effective_at
    assert first is not None
    again = Client().post(url)
    assert again.status_code == 410
    assert "già stato usato" in again.content.decode()
    change.refresh_from_db()
    assert change.effective_at == first
    assert OutboxMessage.objects.filter(kind="delivery_changed").count() == 1


def test_confirmation_expired(customer, link):
    change, url, _token = _ask_other_address(customer, link)
    DeliveryChange.objects.filter(pk=change.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    for response in (Client().get(url), Client().post(url)):
        assert response.status_code == 410
        assert "scaduto" in response.content.decode()
    change.refresh_from_db()
    assert change.effective_at is None
    assert selectors.current_delivery(link.contract) is None


def test_confirmation_by_another_logged_in_user_changes_only_that_contract(
    customer, link, stranger
):
    theirs = LinkFactory(user=stranger)
    change, url, _token = _ask_other_address(customer, link)
    client = client_for(stranger)
    assert client.post(url).status_code == 200
    change.refresh_from_db()
    assert change.effective_at is not None
    assert change.user == customer  # not re-attributed to whoever clicked
    assert selectors.current_delivery(theirs.contract) is None
    assert not DeliveryChange.objects.filter(user=stranger).exists()
    # And the stranger's session does not open the customer's pages.
    assert (
        client.get(reverse("pratiche:delivery")).content.decode().count(link.contract.service_code)
        == 0
    )


def test_an_old_link_does_not_override_a_newer_choice(customer, link):
    _change, url, _token = _ask_other_address(customer, link, "vecchio@example.com")
    # The customer changes their mind: paper bills, at once.
    services.set_delivery(user=customer, contract=link.contract, by_email=False)
    response = Client().post(url)
    assert response.status_code == 410
    current = selectors.current_delivery(link.contract)
    assert current.by_email is False
    # Another address asked again: only the newest link works.
    _c1, first, _t1 = _ask_other_address(customer, link, "uno@example.com")
    _c2, second, _t2 = _ask_other_address(customer, link, "due@example.com")
    assert Client().post(first).status_code == 410
    assert Client().post(second).status_code == 200
    assert selectors.current_delivery(link.contract).email == "due@example.com"


# --- staff pages and services --------------------------------------------------------------


def _staff_urls(pratica, attachment):
    gets = [
        reverse("pratiche:staff_queue"),
        reverse("pratiche:staff_detail", args=[pratica.uid]),
        reverse("pratiche:staff_receipt", args=[pratica.uid]),
        reverse("pratiche:staff_attachment", args=[pratica.uid, attachment.uid]),
        reverse("pratiche:staff_attachment_file", args=[pratica.uid, attachment.uid]),
    ]
    posts = [
        reverse("pratiche:staff_move", args=[pratica.uid, "in_progress"]),
        reverse("pratiche:staff_move", args=[pratica.uid, "rejected"]),
        reverse("pratiche:staff_assign", args=[pratica.uid]),
    ]
    return gets, posts


@pytest.mark.parametrize("who", ["anonymous", "customer", "unverified", "cs", "no_perm_admin"])
def test_staff_urls_refused(customer, link, operator, cs_operator, who):
    from accounts.tests.factories import staff_member

    pratica = sent_pratica(customer, link, files=[("documento_identita", "Doc", pdf_file())])
    attachment = pratica.attachments.get()
    gets, posts = _staff_urls(pratica, attachment)
    client = {
        "anonymous": lambda: client_for(),
        "customer": lambda: client_for(customer),
        "unverified": lambda: client_for(operator),  # the role, not the second step
        "cs": lambda: client_for(cs_operator, verify=True),
        "no_perm_admin": lambda: client_for(staff_member(None, username="x"), verify=True),
    }[who]()
    for url in gets:
        response = client.get(url)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert "/pratiche/" not in response["Location"].split("?")[0], url
        assert pratica.protocol not in response.content.decode()
    for url in posts:
        response = client.post(url, {"rejected-note": "no", "assignee": ""})
        assert response.status_code in (302, 404), url
    pratica.refresh_from_db()
    assert pratica.state == State.SENT
    assert pratica.assigned_to is None


def test_services_called_directly_without_the_permission_refuse(
    customer, link, operator, cs_operator
):
    """A user object straight from the database (no middleware: no second step) or one
    without the permission: PermissionDenied, never a crash nor a move."""
    from accounts.models import User

    pratica = sent_pratica(customer, link)
    for actor in (
        User.objects.get(pk=cs_operator.pk),
        User.objects.get(pk=operator.pk),
        verified(User.objects.get(pk=cs_operator.pk)),
        customer,
    ):
        with pytest.raises(PermissionDenied):
            services.set_pratica_state(pratica=pratica, to=State.IN_PROGRESS, actor=actor)
        with pytest.raises(PermissionDenied):
            services.assign_pratica(pratica=pratica, actor=actor, assignee=None)
    pratica.refresh_from_db()
    assert pratica.state == State.SENT


@pytest.mark.parametrize(
    ("state", "to"),
    [
        (State.CANCELLED, State.ACCEPTED),
        (State.CANCELLED, State.IN_PROGRESS),
        (State.ACCEPTED, State.REJECTED),
        (State.REJECTED, State.ACCEPTED),
        (State.SENT, State.ACCEPTED),
        (State.INTEGRATION_REQUESTED, State.ACCEPTED),
    ],
)
def test_forbidden_staff_moves_refused_by_page_and_service(customer, link, operator, state, to):
    pratica = sent_pratica(customer, link)
    Pratica.objects.filter(pk=pratica.pk).update(state=state)
    pratica.refresh_from_db()
    client = client_for(operator, verify=True)
    response = client.post(
        reverse("pratiche:staff_move", args=[pratica.uid, to.value]), {f"{to.value}-note": "x"}
    )
    assert response.status_code in (302, 400)
    with pytest.raises(services.TransitionError):
        services.set_pratica_state(pratica=pratica, to=to, actor=verified(operator), note="x")
    pratica.refresh_from_db()
    assert pratica.state == state


@pytest.mark.parametrize("to", ["cancelled", "sent", "draft", "integrated"])
def test_staff_cannot_make_customer_moves_through_the_page(customer, link, operator, to):
    pratica = sent_pratica(customer, link)
    client = client_for(operator, verify=True)
    client.post(reverse("pratiche:staff_move", args=[pratica.uid, to]))
    pratica.refresh_from_db()
    assert pratica.state == State.SENT


@pytest.mark.parametrize(
    "state", [State.IN_PROGRESS, State.INTEGRATION_REQUESTED, State.ACCEPTED, State.REJECTED]
)
def test_customer_cannot_cancel_once_taken_in_charge(customer, link, state):
    pratica = sent_pratica(customer, link)
    Pratica.objects.filter(pk=pratica.pk).update(state=state)
    pratica.refresh_from_db()
    response = client_for(customer).post(reverse("pratiche:cancel", args=[pratica.uid]))
    assert response.status_code == 302
    with pytest.raises(services.TransitionError):
        services.cancel_pratica(pratica=pratica, user=customer)
    pratica.refresh_from_db()
    assert pratica.state == state


@pytest.mark.parametrize("state", [State.SENT, State.IN_PROGRESS, State.ACCEPTED])
def test_customer_cannot_upload_documents_not_asked_for(customer, link, state):
    pratica = sent_pratica(customer, link)
    Pratica.objects.filter(pk=pratica.pk).update(state=state)
    pratica.refresh_from_db()
    client_for(customer).post(
        reverse("pratiche:integrate", args=[pratica.uid]), {"document": pdf_file()}
    )
    with pytest.raises((PermissionDenied, services.TransitionError)):
        services.add_integration(pratica=pratica, user=customer, files=[("x", pdf_file())])
    assert not pratica.attachments.exists()
    pratica.refresh_from_db()
    assert pratica.state == state


# --- IBAN and the account holder -----------------------------------------------------------


def test_iban_with_spaces_and_lowercase_is_normalised(customer, link):
    response = client_for(customer).post(
        new_url("domiciliazione"),
        domiciliazione_post(link, iban=" it60 x054 2811 1010 0000 0123 456 "),
    )
    assert response.status_code == 302
    assert Mandate.objects.get().iban == IBAN
    assert Pratica.objects.get().data["iban"] == IBAN


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("IT61 X054 2811 1010 0000 0123 456", "controlla le cifre"),
        ("BR18 0036 0305 0000 1000 9795 493C 1", "area SEPA"),
        ("IT40 S054 2811 1010 0000 0123 456", "CIN"),
        ("US12 3456 7890", "IBAN"),
    ],
)
def test_a_wrong_iban_is_an_italian_error_next_to_the_field_keeping_the_value(
    customer, link, typed, words
):
    response = client_for(customer).post(
        new_url("domiciliazione"), domiciliazione_post(link, iban=typed)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["iban"]
    assert words in errors["iban"][0]
    content = response.content.decode()
    assert f'value="{typed}"' in content
    # Next to the field: the message is in the field's description, not only in a summary.
    field_html = re.search(r'<input[^>]*name="iban"[^>]*>', content).group(0)
    described = re.search(r'aria-describedby="([^"]+)"', field_html).group(1).split()
    assert any(
        re.search(rf'id="{name}"[^>]*>(?:(?!</div>).)*{re.escape(words)}', content, re.S)
        for name in described
    )
    assert not Mandate.objects.exists()


@pytest.mark.parametrize("cf", ["BNCLCU80A41G224X", "ABC", "BNCLCU80A41G22"])
def test_the_account_holders_codice_fiscale_is_checked(customer, link, cf):
    response = client_for(customer).post(
        new_url("domiciliazione"), domiciliazione_post(link, account_holder_cf=cf)
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["account_holder_cf"]
    assert "codice fiscale" in response.context["form"].errors["account_holder_cf"][0]
    assert f'value="{cf}"' in response.content.decode()
    assert not Mandate.objects.exists()


def test_the_mandate_text_must_be_accepted(customer, link):
    data = domiciliazione_post(link)
    for value in (None, "", "false"):
        if value is None:
            data.pop("accept_mandate", None)
        else:
            data["accept_mandate"] = value
        response = client_for(customer).post(new_url("domiciliazione"), data)
        assert response.status_code == 400
        assert "accept_mandate" in response.context["form"].errors
    page = client_for(customer).get(new_url("domiciliazione"))
    assert "autorizza" in page.content.decode()  # the text shown before it is accepted


# --- uploads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("documento.pdf", b"<html><script>alert(1)</script></html>",
                           content_type="application/pdf"),
        SimpleUploadedFile("documento.pdf", b"%PDF-1.4 but never ends",
                           content_type="application/pdf"),
        SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
                           content_type="image/png"),
        SimpleUploadedFile("documento.pdf", b"", content_type="application/pdf"),
    ],
    ids=["html-as-pdf", "truncated-pdf", "forged-png", "empty"],
)  # fmt: skip
def test_wrong_content_is_refused(customer, link, upload):
    data = variazione_post(link, changes=["anagrafica"], wrong_data="Rosi -> Rossi")
    data["doc_documento_identita"] = upload
    response = client_for(customer).post(new_url("variazione_anagrafica"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["doc_documento_identita"]
    assert not Attachment.objects.exists()


def test_oversize_is_refused(customer, link):
    big = SimpleUploadedFile(
        "grande.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n",
        content_type="application/pdf",
    )  # fmt: skip
    data = variazione_post(link, changes=["anagrafica"], wrong_data="Rosi -> Rossi")
    data["doc_documento_identita"] = big
    # The form takes three files of 10 MB (pratiche registers it with core.request_size):
    # the form's own check names the file next to its field.
    response = client_for(customer).post(new_url("variazione_anagrafica"), data)
    assert response.status_code == 400
    assert "troppo grande" in response.context["form"].errors["doc_documento_identita"][0]
    pratica = sent_pratica(customer, link)
    Pratica.objects.filter(pk=pratica.pk).update(state=State.INTEGRATION_REQUESTED)
    big.seek(0)
    response = client_for(customer).post(
        reverse("pratiche:integrate", args=[pratica.uid]), {"document": big}
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_too_many_files_are_not_stored(customer, link):
    """Only the form's own document slots are read, one file each; a draft saved again with
    a new file replaces the old one (and its stored file)."""
    from core import uploads

    client = client_for(customer)
    data = variazione_post(link, azione="bozza")
    data["doc_documento_identita"] = [pdf_file("a.pdf"), pdf_file("b.pdf")]
    for n in range(5):
        data[f"doc_extra{n}"] = pdf_file(f"extra{n}.pdf")
    client.post(new_url("variazione_anagrafica"), data)
    draft = Pratica.objects.get()
    assert draft.attachments.count() == 1
    first = draft.attachments.get()
    edit = reverse("pratiche:edit", args=["variazione_anagrafica", draft.uid])
    again = variazione_post(link, azione="bozza", key=str(draft.idempotency_key))
    again["doc_documento_identita"] = png_file()
    client.post(edit, again)
    assert draft.attachments.count() == 1
    assert draft.attachments.get().file_kind == "png"
    assert not uploads.private_storage().exists(first.file)


def test_files_are_served_as_downloads_only_to_owner_and_staff(customer, link, operator, stranger):
    pratica = sent_pratica(
        customer, link,
        files=[("documento_identita", "Doc", pdf_file()), ("foto", "Foto", png_file())],
    )  # fmt: skip
    owner = client_for(customer)
    for item in pratica.attachments.all():
        response = owner.get(reverse("pratiche:attachment", args=[pratica.uid, item.uid]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
    receipt = owner.get(reverse("pratiche:receipt", args=[pratica.uid]))
    assert receipt["Content-Disposition"].startswith("attachment;")
    assert receipt["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in receipt["Cache-Control"]
    staff = client_for(operator, verify=True)
    item = pratica.attachments.first()
    for url in (
        reverse("pratiche:staff_attachment_file", args=[pratica.uid, item.uid]),
        reverse("pratiche:staff_attachment_file", args=[pratica.uid, item.uid]) + "?scarica=1",
        reverse("pratiche:staff_receipt", args=[pratica.uid]),
    ):
        response = staff.get(url)
        assert response.status_code == 200
        # What a customer uploaded never opens inline on the portal's origin, staff included.
        assert response["Content-Disposition"].startswith("attachment;"), url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Type"] in ("application/pdf", "image/png")
    assert (
        client_for(stranger)
        .get(reverse("pratiche:attachment", args=[pratica.uid, item.uid]))
        .status_code
        == 404
    )


# --- double submit, CSRF --------------------------------------------------------------------


def test_double_submit_of_every_form_stores_one(customer, link):
    client = client_for(customer)
    data = domiciliazione_post(link)
    responses = [client.post(new_url("domiciliazione"), data) for _n in range(3)]
    assert {r["Location"] for r in responses} == {responses[0]["Location"]}
    assert Pratica.objects.count() == 1
    assert Mandate.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="pratica_sent").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_racing_posts_make_one_pratica(customer, link):
    if connection.vendor != "postgresql":
        pytest.skip("threads racing need a real database server")
    data = domiciliazione_post(link)
    barrier = threading.Barrier(2)
    results = []

    def send():
        client = client_for(customer)
        barrier.wait()
        try:
            results.append(client.post(new_url("domiciliazione"), data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302, 302]
    assert Pratica.objects.count() == 1
    assert Mandate.objects.count() == 1


def test_csrf_required_on_every_post(customer, link, operator):
    pratica = sent_pratica(customer, link)
    _change, confirm, _token = _ask_other_address(customer, link)
    customer_posts = [
        (new_url("variazione_anagrafica"), variazione_post(link)),
        (reverse("pratiche:cancel", args=[pratica.uid]), {}),
        (reverse("pratiche:integrate", args=[pratica.uid]), {}),
        (reverse("pratiche:delivery_change", args=[link.uid]), {f"c{link.pk}-by_email": "0"}),
    ]
    client = client_for(customer, csrf=True)
    for url, data in customer_posts:
        assert client.post(url, data).status_code == 403, url
    assert client_for(csrf=True).post(confirm).status_code == 403
    staff = client_for(operator, verify=True, csrf=True)
    for url in (
        reverse("pratiche:staff_move", args=[pratica.uid, "in_progress"]),
        reverse("pratiche:staff_assign", args=[pratica.uid]),
    ):
        assert staff.post(url).status_code == 403, url
    pratica.refresh_from_db()
    assert pratica.state == State.SENT
    assert Pratica.objects.count() == 1
    assert selectors.current_delivery(link.contract) is None


# --- personal data, the receipt -------------------------------------------------------------


def test_no_personal_data_in_urls_or_logs(customer, link, caplog, operator):
    caplog.set_level(logging.DEBUG)
    client = client_for(customer)
    response = client.post(new_url("domiciliazione"), domiciliazione_post(link))
    pratica = Pratica.objects.get()
    pages = [
        client.get(new_url("domiciliazione")),
        client.get(response["Location"]),
        client.get(reverse("pratiche:list")),
        client_for(operator, verify=True).get(reverse("pratiche:staff_detail", args=[pratica.uid])),
    ]
    bad = [IBAN, "BNCLCU80A41G224W", "lucia@example.com", "lucia%40example.com"]
    urls = [response["Location"]]
    for page in pages:
        urls += re.findall(r'(?:href|src|action)="([^"]+)"', page.content.decode())
    client.post(
        reverse("pratiche:delivery_change", args=[link.uid]),
        {f"c{link.pk}-by_email": "1", f"c{link.pk}-address": "other",
         f"c{link.pk}-other_email": "studio@example.com", f"c{link.pk}-privacy": "on"},
    )  # fmt: skip
    bad.append("studio@example.com")
    for url in urls:
        for value in bad:
            assert value.lower() not in url.lower(), url
    for value in bad:
        assert value not in caplog.text


def test_the_receipt_holds_exactly_what_was_sent(customer, link):
    client = client_for(customer)
    data = domiciliazione_post(link, azione="bozza", account_holder="Bozza Vecchia")
    client.post(new_url("domiciliazione"), data)
    draft = Pratica.objects.get()
    edit = reverse("pratiche:edit", args=["domiciliazione", draft.uid])
    client.post(edit, {**data, "azione": "invia", "account_holder": "Lucia Bianchi"})
    pratica = Pratica.objects.get()
    assert pratica.state == State.SENT
    pdf = b"".join(client.get(reverse("pratiche:receipt", args=[pratica.uid])).streaming_content)
    text = pdf_text(pdf)
    for label, value in pratica.summary:
        for word in str(value).split()[:8]:
            assert word in text, (label, word)
    assert "IT60 X054 2811 1010 0000 0123 456" in text
    assert "Lucia Bianchi" in text
    assert "Bozza Vecchia" not in text
    assert pratica.protocol in text


def test_odd_text_does_not_break_the_receipt(customer, link):
    text = "🚰 " + "x" * 900 + " \u202eRTL\u202c ñ € \t fine"
    data = applicant(
        contract=str(link.uid), request_type="chiarimenti", topic="altro", description=text,
        bill_number="",
    )  # fmt: skip
    from django.apps import apps

    apps.get_model("billing", "Bill").objects.create(
        number="2026/1", contract=link.contract, issued_on=datetime.date(2026, 10, 1),
        due_on=datetime.date(2026, 11, 1), amount="1.00", checksum="x",
    )  # fmt: skip
    data["bill_number"] = "2026/1"
    response = client_for(customer).post(new_url("chiarimenti_bolletta"), data)
    assert response.status_code == 302
    assert Pratica.objects.get().receipt


# --- N+1 ------------------------------------------------------------------------------------


def _count_queries(client, url):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_no_n_plus_one_on_the_customer_list_and_the_staff_queue(customer, link, operator):
    from accounts.staff import ROLE_PRATICHE
    from accounts.tests.factories import staff_member

    others = [staff_member(ROLE_PRATICHE, username=f"op{n}") for n in range(3)]
    customer_client = client_for(customer)
    staff = client_for(operator, verify=True)
    sent_pratica(customer, link)
    services.save_draft(user=customer, kind=Kind.VOLTURA, key=uuid.uuid4(), contract=None,
                        data={})  # fmt: skip
    few_list = _count_queries(customer_client, reverse("pratiche:list"))
    few_queue = _count_queries(staff, reverse("pratiche:staff_queue") + "?state=all")
    for n in range(30):
        p = sent_pratica(customer, LinkFactory(user=customer, contract=ContractFactory()))
        Pratica.objects.filter(pk=p.pk).update(assigned_to=others[n % 3])
    assert _count_queries(customer_client, reverse("pratiche:list")) <= few_list
    assert _count_queries(staff, reverse("pratiche:staff_queue") + "?state=all") <= few_queue


# --- export files ---------------------------------------------------------------------------


def _read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_export_ids_stable_since_and_rerun(tmp_path, customer, link, operator):
    sent = services.submit_pratica(
        user=customer, kind=Kind.DOMICILIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[], mandate=MANDATE,
    )  # fmt: skip
    services.set_delivery(user=customer, contract=link.contract, by_email=True,
                          email=customer.email)  # fmt: skip
    call_command("export_feed", str(tmp_path / "a"))
    call_command("export_feed", str(tmp_path / "a"))  # re-run into the same directory
    first = {n: _read(tmp_path / "a" / n) for n in ("pratiche.csv", "delivery.csv", "mandates.csv")}
    assert [len(rows) for rows in first.values()] == [2, 2, 2]
    for rows in first.values():
        ids = [r[0] for r in rows[1:]]
        assert len(ids) == len(set(ids))
    cut = timezone.now()
    services.set_pratica_state(pratica=sent, to=State.IN_PROGRESS, actor=verified(operator))
    services.set_pratica_state(
        pratica=sent, to=State.REJECTED, actor=verified(operator), note="IBAN di un altro."
    )
    call_command("export_feed", str(tmp_path / "b"), since=cut.isoformat())
    later = {n: _read(tmp_path / "b" / n) for n in first}
    assert [r[0] for r in later["pratiche.csv"][1:]] == [first["pratiche.csv"][1][0]]
    assert later["pratiche.csv"][1][4] == "rejected"
    assert later["delivery.csv"][1:] == []
    assert [r[1] for r in later["mandates.csv"][1:]] == ["cancelled"]
    assert later["mandates.csv"][1][0] != first["mandates.csv"][1][0]
    # The whole history again: the same ids as before, one more event.
    call_command("export_feed", str(tmp_path / "c"))
    again = {n: _read(tmp_path / "c" / n) for n in first}
    assert [r[0] for r in again["pratiche.csv"]] == [r[0] for r in first["pratiche.csv"]]
    assert [r[0] for r in again["mandates.csv"]][:2] == [r[0] for r in first["mandates.csv"]]
    assert len(again["mandates.csv"]) == 3


def test_an_operator_does_not_process_their_own_pratica(link, operator):
    """Segregation of duties: staff who filed a pratica as a customer cannot take it in
    charge, accept or reject it; a colleague does."""
    from accounts.staff import ROLE_PRATICHE
    from accounts.tests.factories import staff_member

    LinkFactory(user=operator, contract=link.contract)
    own = sent_pratica(operator, link)
    with pytest.raises(PermissionDenied):
        services.set_pratica_state(pratica=own, to=State.IN_PROGRESS, actor=verified(operator))
    staff = client_for(operator, verify=True)
    response = staff.post(reverse("pratiche:staff_move", args=[own.uid, "in_progress"]))
    assert response.status_code == 302
    page = staff.get(response["Location"])
    assert "la lavora un collega" in page.content.decode()
    assert not page.context["actions"]
    own.refresh_from_db()
    assert own.state == State.SENT
    colleague = verified(staff_member(ROLE_PRATICHE, username="collega"))
    assert services.set_pratica_state(pratica=own, to=State.IN_PROGRESS, actor=colleague)


@pytest.mark.parametrize("how", ["customer_cancels", "staff_rejects"])
def test_a_withdrawn_revocation_puts_the_mandate_back(tmp_path, customer, link, operator, how):
    services.submit_pratica(
        user=customer, kind=Kind.DOMICILIAZIONE, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[], mandate=MANDATE,
    )  # fmt: skip
    revoca = services.submit_pratica(
        user=customer, kind=Kind.REVOCA, key=uuid.uuid4(), contract=link.contract,
        data={}, summary=[],
    )  # fmt: skip
    assert selectors.active_mandate(link.contract) is None
    cut = timezone.now()
    if how == "customer_cancels":
        services.cancel_pratica(pratica=revoca, user=customer)
    else:
        actor = verified(operator)
        services.set_pratica_state(pratica=revoca, to=State.IN_PROGRESS, actor=actor)
        services.set_pratica_state(pratica=revoca, to=State.REJECTED, actor=actor, note="No.")
    mandate = Mandate.objects.get()
    assert mandate.status == Mandate.Status.SIGNED
    assert mandate.revoked_at is None
    assert selectors.active_mandate(link.contract) == mandate
    call_command("export_feed", str(tmp_path / "all"))
    rows = _read(tmp_path / "all" / "mandates.csv")
    assert [r[1] for r in rows[1:]] == ["signed", "revoked", "reinstated"]
    assert rows[3][0] == f"{revoca.protocol}:reinstated"
    assert rows[3][2] == mandate.mandate_id
    call_command("export_feed", str(tmp_path / "since"), since=cut.isoformat())
    assert _read(tmp_path / "since" / "mandates.csv")[1:] == [rows[3]]


def test_too_many_drafts_are_refused(customer, link, settings):
    """Each draft may hold files: a profile keeps at most PRATICHE_MAX_DRAFTS of them."""
    settings.PRATICHE_MAX_DRAFTS = 3
    client = client_for(customer)
    for _n in range(3):
        data = variazione_post(link, azione="bozza")
        data["doc_documento_identita"] = pdf_file()
        assert client.post(new_url("variazione_anagrafica"), data).status_code == 302
    data = variazione_post(link, azione="bozza")
    data["doc_documento_identita"] = pdf_file()
    response = client.post(new_url("variazione_anagrafica"), data)
    assert response.status_code == 400
    assert "troppe bozze" in response.content.decode()
    assert Pratica.objects.filter(state=State.DRAFT).count() == 3
    assert Attachment.objects.count() == 3
    # An existing draft is still saved, and a pratica is still sent.
    draft = Pratica.objects.filter(state=State.DRAFT).first()
    edit = reverse("pratiche:edit", args=["variazione_anagrafica", draft.uid])
    again = variazione_post(link, azione="bozza", new_street="Via Nuova 1")
    assert client.post(edit, again).status_code == 302
    assert client.post(new_url("variazione_anagrafica"), variazione_post(link)).status_code == 302
    assert Pratica.objects.filter(state=State.SENT).count() == 1
