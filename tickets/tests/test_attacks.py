"""An outsider's attacks on "Richieste e reclami": other people's ids, staff pages without
the right, uploads, double submits, CSRF, personal data in URLs, logs and mails, bad input,
N+1 queries, requests.csv, "Elimina profilo" and "Scarica i miei dati"."""

import csv
import io
import json
import logging
import threading
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.staff import ROLE_PRATICHE
from accounts.tests.factories import staff_member
from conftest import login_verified
from core import uploads
from core.models import OutboxMessage
from customers.tests.factories import ContractFactory, LinkFactory
from tickets import exports, services
from tickets.models import Area, Attachment, Kind, Message, Ticket

from .factories import TicketFactory, pdf_file

pytestmark = pytest.mark.django_db

NEW = reverse("tickets:new")


def form_data(**overrides):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "area": Area.WASTE,
        "kind": Kind.INFORMATION,
        "subject": "Calendario della raccolta",
        "text": "Quando passa il camion della carta?",
    }
    data.update(overrides)
    return data


def jpeg_with_gps(name="foto.jpg", fmt="JPEG"):
    """A photo whose EXIF holds a GPS position and the camera's make."""
    from PIL import Image

    image = Image.new("RGB", (16, 16), "blue")
    exif = Image.Exif()
    exif[0x010F] = "CameraSegreta"  # Make
    exif[0x8825] = {1: "N", 2: (45.0, 36.0, 12.5), 3: "E", 4: (11.0, 52.0, 3.25)}  # GPSInfo
    out = io.BytesIO()
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    image.save(out, format=fmt, exif=exif.tobytes())
    content_type = "image/heic" if fmt == "HEIF" else "image/jpeg"
    return SimpleUploadedFile(name, out.getvalue(), content_type)


def filed(user, **kwargs):
    """A request filed through the service, with one PDF."""
    ticket, _ = services.submit_ticket(
        user=user, idempotency_key=uuid.uuid4(), area=kwargs.pop("area", Area.WATER),
        kind=Kind.REPORT, subject="Perdita in strada", text="Acqua che esce dal tombino",
        files=services.check_files([pdf_file()]), **kwargs,
    )  # fmt: skip
    return ticket


# --- other customers' ids ---------------------------------------------------------------------


def test_every_customer_url_with_another_customers_ids_is_404(client, alice, bob, charlie):
    ticket = filed(alice)
    services.publish_answer(
        ticket=ticket, actor=charlie, text="Risposta", files=services.check_files([pdf_file()])
    )
    answer_file = Attachment.objects.get(sender="staff")
    request_file = Attachment.objects.get(sender="customer")
    client.force_login(bob)
    assert client.get(reverse("tickets:detail", args=[ticket.uid])).status_code == 404
    response = client.post(
        reverse("tickets:detail", args=[ticket.uid]),
        {"text": "intruso", "idempotency_key": str(uuid.uuid4()), "files": [pdf_file()]},
    )
    assert response.status_code == 404
    for item in (answer_file, request_file):
        assert client.get(reverse("tickets:attachment", args=[item.uid])).status_code == 404
    listing = client.get(reverse("tickets:list")).content.decode()
    assert ticket.protocol not in listing
    assert not Message.objects.filter(text="intruso").exists()
    assert Attachment.objects.count() == 2


def test_new_with_another_customers_link_preselects_and_shows_nothing(client, alice, bob):
    other = LinkFactory(user=bob)
    client.force_login(alice)
    response = client.get(NEW, {"utenza": str(other.uid)})
    assert response.status_code == 200
    assert other.contract.service_code not in response.content.decode()
    assert "contract" not in response.context["form"].initial
    for junk in ("x", "\x00", "1" * 5000):
        assert client.get(NEW, {"utenza": junk}).status_code == 200


def test_a_contract_not_linked_to_the_user_is_refused_next_to_the_field(client, alice, bob):
    LinkFactory(user=alice)
    stranger = ContractFactory()  # linked to nobody
    others = LinkFactory(user=bob).contract
    client.force_login(alice)
    for contract_id in (stranger.pk, others.pk, "abc", "-1", "9" * 30):
        data = form_data(contract=str(contract_id), subject="Tengo questo")
        response = client.post(NEW, data)
        assert response.status_code == 200
        assert response.context["form"].errors["contract"] == ["Scegli una delle tue utenze."]
        html = response.content.decode()
        assert "Scegli una delle tue utenze." in html and "Tengo questo" in html
    assert not Ticket.objects.exists()


def test_the_service_refuses_a_contract_not_linked_to_the_user(alice, bob):
    contract = LinkFactory(user=bob).contract
    with pytest.raises(PermissionDenied):
        services.submit_ticket(
            user=alice, idempotency_key=uuid.uuid4(), area=Area.WATER, kind=Kind.REPORT,
            subject="x", text="y", contract=contract,
        )  # fmt: skip


# --- staff URLs -------------------------------------------------------------------------------


def staff_urls(ticket, item):
    get = [
        reverse("tickets:staff_queue"),
        reverse("tickets:staff_statistics"),
        reverse("tickets:staff_detail", args=[ticket.uid]),
        reverse("tickets:staff_attachment", args=[item.uid]),
    ]
    post = [
        reverse(f"tickets:{name}", args=[ticket.uid])
        for name in ("staff_take", "staff_assign", "staff_note", "staff_answer", "staff_close")
    ]
    return get, post


STAFF_POST = {"note": "nota", "answer": "risposta", "assignee": ""}


def _nothing_changed(ticket):
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SUBMITTED and ticket.assigned_to is None
    assert not ticket.messages.exists()


@pytest.mark.parametrize("who", ["anonymous", "customer", "unverified", "pratiche", "no_area"])
def test_every_staff_url_refuses_who_may_not(who, alice, charlie):
    ticket = filed(alice, area=Area.WASTE)
    item = ticket.attachments.get()
    client = Client()
    if who == "customer":
        client.force_login(alice)
    elif who == "unverified":
        client.force_login(charlie)  # the operator, without the second factor
    elif who == "pratiche":
        login_verified(client, staff_member(ROLE_PRATICHE, username="paolo"))
    elif who == "no_area":
        from django.contrib.auth.models import Permission

        water = staff_member(ROLE_PRATICHE, username="acqua")
        water.user_permissions.add(
            Permission.objects.get(content_type__app_label="tickets", codename="handle_water")
        )
        login_verified(client, water)
    get, post = staff_urls(ticket, item)
    for url in get + post:
        method = client.post if url in post else client.get
        response = method(url, STAFF_POST if url in post else {})
        if who == "no_area" and url in (get[0],):
            assert response.status_code == 200
            assert ticket.protocol not in response.content.decode()
            continue
        if who == "no_area" and url == get[1]:
            assert response.status_code == 404  # no view_statistics
            continue
        if who == "anonymous":
            assert response.status_code == 302 and "/accedi/" in response["Location"], url
        elif who == "unverified":
            assert response.status_code == 302, url
            assert response["Location"] == reverse("accounts:two_factor"), url
        else:
            assert response.status_code == 404, (who, url)
        assert ticket.protocol.encode() not in response.content
    _nothing_changed(ticket)


@pytest.mark.parametrize("who", ["customer", "pratiche", "no_area", "inactive"])
def test_the_services_check_the_permission_again(who, alice, bob, charlie):
    from django.contrib.auth.models import Permission

    ticket = TicketFactory(user=alice, area=Area.WASTE)
    if who == "customer":
        actor = bob
    elif who == "pratiche":
        actor = staff_member(ROLE_PRATICHE, username="paolo")
    elif who == "no_area":
        actor = staff_member(ROLE_PRATICHE, username="acqua")
        actor.user_permissions.add(
            Permission.objects.get(content_type__app_label="tickets", codename="handle_water")
        )
    else:
        charlie.is_active = False
        charlie.save()
        actor = charlie
    calls = [
        lambda: services.assign(ticket=ticket, actor=actor, assignee=actor),
        lambda: services.assign(ticket=ticket, actor=actor, assignee=None),
        lambda: services.add_note(ticket=ticket, actor=actor, text="x"),
        lambda: services.publish_answer(ticket=ticket, actor=actor, text="x"),
        lambda: services.close(ticket=ticket, actor=actor),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    _nothing_changed(ticket)
    assert not OutboxMessage.objects.filter(kind="ticket_answered").exists()


def test_assigning_to_someone_without_the_area_is_refused_by_the_service(alice, charlie, bob):
    ticket = TicketFactory(user=alice, area=Area.WASTE)
    pratiche = staff_member(ROLE_PRATICHE, username="paolo")
    for assignee in (bob, pratiche):
        with pytest.raises(PermissionDenied):
            services.assign(ticket=ticket, actor=charlie, assignee=assignee)
    _nothing_changed(ticket)


def test_an_attachment_of_an_internal_note_is_never_the_customers(client, alice, charlie):
    ticket = TicketFactory(user=alice)
    note = services.add_note(ticket=ticket, actor=charlie, text="interna")
    item = Attachment.objects.create(
        ticket=ticket, message=note, sender="staff", file="tickets/x.pdf", kind="pdf", size=1
    )
    client.force_login(alice)
    assert client.get(reverse("tickets:attachment", args=[item.uid])).status_code == 404


# --- uploads ------------------------------------------------------------------------------------


def test_wrong_content_named_pdf_is_refused_on_every_form(client, operator_client, alice):
    ticket = TicketFactory(user=alice)

    def fake():
        return SimpleUploadedFile("bolletta.pdf", b"<html><script>x</script>", "application/pdf")

    client.force_login(alice)
    response = client.post(NEW, form_data(files=[fake()]))
    assert "non è un PDF, JPEG, PNG o HEIC valido" in response.content.decode()
    response = client.post(
        reverse("tickets:detail", args=[ticket.uid]),
        {"text": "ecco", "idempotency_key": str(uuid.uuid4()), "files": [fake()]},
    )
    assert response.status_code == 400
    assert "non è un PDF, JPEG, PNG o HEIC valido" in response.content.decode()
    response = operator_client.post(
        reverse("tickets:staff_answer", args=[ticket.uid]),
        {"answer": "ecco", "idempotency_key": str(uuid.uuid4()), "files": [fake()]},
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists() and not ticket.messages.exists()


def test_oversize_file_is_refused_with_the_typed_text_kept(client, alice):
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    client.force_login(alice)
    # The form takes five files of 10 MB (tickets registers it with core.request_size), so
    # a file over 10 MB reaches the form, which says why next to the field.
    response = client.post(
        NEW, form_data(subject="Il mio oggetto", files=[SimpleUploadedFile("a.pdf", big)])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "troppo grande: al massimo 10 MB" in html and "Il mio oggetto" in html
    assert not Ticket.objects.exists()


def test_too_many_files_on_a_message(client, alice):
    ticket = TicketFactory(user=alice)
    client.force_login(alice)
    response = client.post(
        reverse("tickets:detail", args=[ticket.uid]),
        {
            "text": "sei file",
            "idempotency_key": str(uuid.uuid4()),
            "files": [pdf_file(f"{i}.pdf") for i in range(6)],
        },
    )
    assert response.status_code == 400
    assert "al massimo 5 file" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_flood_of_files_is_a_400_not_a_500(client, alice):
    client.force_login(alice)
    response = client.post(NEW, form_data(files=[pdf_file(f"{i}.pdf") for i in range(101)]))
    assert response.status_code == 400
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_a_photo_is_stored_without_its_gps_position(client, alice, fmt):
    from PIL import Image

    photo = jpeg_with_gps("foto.heic" if fmt == "HEIF" else "foto.jpg", fmt)
    assert b"CameraSegreta" in photo.read()
    photo.seek(0)
    client.force_login(alice)
    response = client.post(NEW, form_data(files=[photo]))
    assert response.status_code == 302, response.context["form"].errors
    item = Attachment.objects.get()
    assert item.kind == "jpeg"
    with uploads.private_storage().open(item.file, "rb") as f:
        stored = f.read()
    assert b"CameraSegreta" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and not image.getexif().get_ifd(0x8825)
    download = client.get(reverse("tickets:attachment", args=[item.uid]))
    assert b"".join(download.streaming_content) == stored


def test_attachments_are_downloads_never_inline_never_public(client, operator_client, alice):
    ticket = filed(alice)
    item = ticket.attachments.get()
    client.force_login(alice)
    page = client.get(reverse("tickets:detail", args=[ticket.uid])).content.decode()
    staff_page = operator_client.get(reverse("tickets:staff_detail", args=[ticket.uid]))
    for html in (page, staff_page.content.decode()):
        assert item.file not in html  # the storage name never reaches a page
        assert item.file.rsplit("/", 1)[-1] not in html
    for response in (
        client.get(reverse("tickets:attachment", args=[item.uid])),
        operator_client.get(reverse("tickets:staff_attachment", args=[item.uid])),
    ):
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Type"] == "application/pdf"
    # A POST to the download is not a way in either.
    assert client.post(reverse("tickets:attachment", args=[item.uid])).status_code == 405


# --- double submit and CSRF ---------------------------------------------------------------------


def test_a_message_sent_twice_is_stored_once(client, alice):
    ticket = TicketFactory(user=alice)
    client.force_login(alice)
    url = reverse("tickets:detail", args=[ticket.uid])
    data = {"text": "Aggiungo il numero di bolletta", "idempotency_key": str(uuid.uuid4())}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ticket.messages.count() == 1


def test_an_answer_published_twice_is_stored_and_mailed_once(operator_client, alice):
    ticket = TicketFactory(user=alice)
    url = reverse("tickets:staff_answer", args=[ticket.uid])
    data = {"answer": "Gentile cliente", "idempotency_key": str(uuid.uuid4())}
    assert operator_client.post(url, data).status_code == 302
    assert operator_client.post(url, data).status_code == 302
    assert ticket.messages.count() == 1
    assert OutboxMessage.objects.filter(kind="ticket_answered").count() == 1
    note = reverse("tickets:staff_note", args=[ticket.uid])
    data = {"note": "Richiamare", "idempotency_key": str(uuid.uuid4())}
    operator_client.post(note, data)
    operator_client.post(note, data)
    assert ticket.messages.filter(internal=True).count() == 1


def test_a_form_without_a_valid_key_still_files_and_never_sticks(client, alice):
    client.force_login(alice)
    for key in ("", "non-una-chiave"):
        response = client.post(NEW, form_data(idempotency_key=key, subject=f"Chiave {key!r}"))
        assert response.status_code == 302
    assert Ticket.objects.count() == 2
    assert len(set(Ticket.objects.values_list("idempotency_key", flat=True))) == 2


def test_the_same_key_racing_inside_submit_files_one(alice, monkeypatch):
    """The second request passes the "already filed?" check before the first commits: the
    unique constraint stops it and it answers with the first request."""
    key = uuid.uuid4()
    first, created = services.submit_ticket(
        user=alice, idempotency_key=key, area=Area.WATER, kind=Kind.REPORT, subject="a", text="b"
    )
    assert created
    real_filter = Ticket.objects.filter
    calls = {"n": 0}

    def blind_first_lookup(*args, **kwargs):
        calls["n"] += 1
        qs = real_filter(*args, **kwargs)
        return qs.none() if calls["n"] == 1 else qs

    monkeypatch.setattr(Ticket.objects, "filter", blind_first_lookup)
    again, created = services.submit_ticket(
        user=alice, idempotency_key=key, area=Area.WATER, kind=Kind.REPORT, subject="a", text="b"
    )
    assert not created and again.pk == first.pk
    monkeypatch.undo()
    assert Ticket.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="ticket_received").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_racing_requests_file_one(alice):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    key = str(uuid.uuid4())
    barrier = threading.Barrier(2)
    results = []

    def send():
        from django.db import connections

        client = Client()
        client.force_login(alice)
        barrier.wait()
        results.append(client.post(NEW, form_data(idempotency_key=key)).status_code)
        connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302, 302]
    assert Ticket.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="ticket_received").count() == 1


def test_csrf_is_required_on_every_post(alice, charlie):
    ticket = TicketFactory(user=alice)
    customer = Client(enforce_csrf_checks=True)
    customer.force_login(alice)
    assert customer.post(NEW, form_data()).status_code == 403
    url = reverse("tickets:detail", args=[ticket.uid])
    assert customer.post(url, {"text": "x"}).status_code == 403
    staff = Client(enforce_csrf_checks=True)
    login_verified(staff, charlie)
    for name in ("staff_take", "staff_assign", "staff_note", "staff_answer", "staff_close"):
        response = staff.post(reverse(f"tickets:{name}", args=[ticket.uid]), STAFF_POST)
        assert response.status_code == 403, name
    assert Ticket.objects.count() == 1
    _nothing_changed(ticket)
    # With the token from the page, it goes through.
    page = customer.get(NEW)
    token = page.cookies["csrftoken"].value
    assert customer.post(NEW, form_data(csrfmiddlewaretoken=token)).status_code == 302


# --- personal data: URLs, logs, mails -------------------------------------------------------------


SECRETS = ("Perdita segreta", "Via Segreta 7", "Gianni Segreto", "rispostasegreta", "notasegreta")


def test_no_personal_data_in_urls_logs_or_mails(client, operator_client, alice, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(alice)
    data = form_data(
        area=Area.WATER, kind=Kind.COMPLAINT, subject="Perdita segreta",
        text="Il contatore di Via Segreta 7", holder_name="Gianni Segreto",
        customer_code="100001", supply_address="Via Segreta 7", reply_address="g@example.com",
    )  # fmt: skip
    response = client.post(NEW, data)
    locations = [response["Location"]]
    ticket = Ticket.objects.get()
    operator_client.post(
        reverse("tickets:staff_note", args=[ticket.uid]),
        {"note": "notasegreta", "idempotency_key": str(uuid.uuid4())},
    )
    response = operator_client.post(
        reverse("tickets:staff_answer", args=[ticket.uid]),
        {"answer": "rispostasegreta", "idempotency_key": str(uuid.uuid4())},
    )
    locations.append(response["Location"])
    response = client.post(
        reverse("tickets:detail", args=[ticket.uid]),
        {"text": "Via Segreta 7 ancora", "idempotency_key": str(uuid.uuid4())},
    )
    locations.append(response["Location"])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    mails = list(OutboxMessage.objects.all())
    assert {m.kind for m in mails} == {"ticket_received", "ticket_answered"}
    for secret in SECRETS + ("g@example.com", alice.email):
        assert secret not in logged
        assert all(secret not in url for url in locations)
    for mail in mails:
        for secret in SECRETS:
            assert secret not in mail.subject + mail.body_text + (mail.body_html or "")
        assert reverse("tickets:detail", args=[ticket.uid]) in mail.body_text


def test_the_app_logs_nothing_about_requests():
    """No logging call in the app's code: nothing a customer wrote can reach a log line."""
    import pathlib

    root = pathlib.Path(services.__file__).parent
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        source = path.read_text()
        assert "logging" not in source and "logger" not in source and "print(" not in source, path


# --- bad input on every form ----------------------------------------------------------------------


def test_missing_fields_on_the_new_form_are_reported_next_to_each(client, alice):
    client.force_login(alice)
    response = client.post(NEW, {"idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"area", "kind", "subject", "text"}
    assert "Questo campo è obbligatorio" in response.content.decode()
    response = client.post(NEW, {})
    assert response.status_code == 200 and response.context["form"].errors


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("text", "x" * 10_001, "non contenga più di 10000 caratteri"),
        ("subject", "y" * 201, "non contenga più di 200 caratteri"),
        ("subject", "\x00\x1b", "Questo campo è obbligatorio"),
        ("area", "fuoco", "Scegli un&#x27;opzione valida"),
        ("kind", "<script>", "Scegli un&#x27;opzione valida"),
    ],
)
def test_bad_input_on_the_new_form(client, alice, field, value, message):
    client.force_login(alice)
    data = form_data(subject="Oggetto tenuto", text="Testo tenuto")
    data[field] = value
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert message in html
    assert "<script>" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    kept = {"subject": "Oggetto tenuto", "text": "Testo tenuto"}
    for name, typed in kept.items():
        if name != field:
            assert typed in html
    assert not Ticket.objects.exists()


def test_control_characters_are_dropped_not_stored(client, alice):
    client.force_login(alice)
    response = client.post(
        NEW, form_data(subject="Ogg\x1b[31metto\x07", text="Riga uno\r\nRiga\tdue\x0b\x1f")
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.subject == "Ogg[31metto"
    assert ticket.text == "Riga uno\r\nRiga\tdue"
    url = reverse("tickets:detail", args=[ticket.uid])
    text = "ciao\x1b\x00 \u202eotua\u202c"
    client.post(url, {"text": text, "idempotency_key": str(uuid.uuid4())})
    assert list(ticket.messages.values_list("text", flat=True)) == ["ciao otua"]


@pytest.mark.parametrize("code", ['=HYPERLINK("http://x.t")', "+39", "@SUM(A1)", "1\n2"])
def test_codes_typed_for_requests_csv_cannot_carry_formulas(client, alice, code):
    client.force_login(alice)
    data = form_data(
        area=Area.WATER, kind=Kind.COMPLAINT, holder_name="Alice Rossi", customer_code=code,
        supply_address="Via Roma 1", reply_address="alice@example.com",
    )  # fmt: skip
    response = client.post(NEW, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["customer_code"] == [
        "Scrivi il codice come sulla bolletta: lettere, cifre, spazi, punti, barre e trattini."
    ]
    assert escape(code.split("\n")[0]) in response.content.decode()  # what was typed is kept
    assert not Ticket.objects.exists()
    client.post(NEW, {**data, "customer_code": "100234", "service_code": "AB-12/3"})
    assert Ticket.objects.get().service_code == "AB-12/3"


def test_messages_a_day_are_limited_keeping_what_was_typed(client, alice, settings):
    settings.TICKETS_MESSAGE_LIMIT = 2
    ticket = TicketFactory(user=alice)
    client.force_login(alice)
    url = reverse("tickets:detail", args=[ticket.uid])
    keys = [str(uuid.uuid4()) for _ in range(3)]
    for key in keys[:2]:
        assert client.post(url, {"text": "ok", "idempotency_key": key}).status_code == 302
    response = client.post(url, {"text": "Il terzo messaggio", "idempotency_key": keys[2]})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Hai inviato molti messaggi oggi" in html and "Il terzo messaggio" in html
    assert ticket.messages.count() == 2
    # The same form sent again is not a new message: no refusal.
    assert client.post(url, {"text": "ok", "idempotency_key": keys[0]}).status_code == 302


def test_bad_input_on_the_message_form(client, alice):
    ticket = TicketFactory(user=alice)
    client.force_login(alice)
    url = reverse("tickets:detail", args=[ticket.uid])
    for text, message in (("", "Questo campo è obbligatorio"), ("z" * 10_001, "più di 10000")):
        response = client.post(url, {"text": text, "idempotency_key": str(uuid.uuid4())})
        assert response.status_code == 400
        assert "text" in response.context["form"].errors
        assert message in response.content.decode()
    assert not ticket.messages.exists()


def test_bad_input_on_the_staff_forms(operator_client, alice):
    ticket = TicketFactory(user=alice)
    cases = [
        ("staff_note", {"note": "n" * 5001}, "note_form", "note"),
        ("staff_note", {"note": ""}, "note_form", "note"),
        ("staff_answer", {"answer": "a" * 20_001}, "answer_form", "answer"),
        ("staff_assign", {"assignee": "abc"}, "assign_form", "assignee"),
        ("staff_assign", {"assignee": "999999"}, "assign_form", "assignee"),
    ]
    for name, data, form, field in cases:
        data = {**data, "idempotency_key": str(uuid.uuid4())}
        response = operator_client.post(reverse(f"tickets:{name}", args=[ticket.uid]), data)
        assert response.status_code == 400, name
        assert field in response.context[form].errors
        error = response.context[form].errors[field][0]
        assert any(word in error for word in ("campo", "Scegli", "Assicurati")), error
        assert escape(error) in response.content.decode()
    _nothing_changed(ticket)


@pytest.mark.parametrize(
    "query",
    [
        {"due": "2026-99-99"},
        {"status": "aperta", "area": "\x00"},
        {"kind": "x" * 5000, "assigned": "tutti"},
        {"pagina": "-1"},
        {"pagina": "abc"},
        {"pagina": "99999999999999999999"},
    ],
)
def test_bad_filters_on_the_staff_queue(operator_client, alice, query):
    TicketFactory(user=alice)
    response = operator_client.get(reverse("tickets:staff_queue"), query)
    assert response.status_code == 200
    form = response.context["form"]
    bad = [k for k in query if k != "pagina"]
    assert sorted(form.errors) == sorted(bad)
    html = response.content.decode()
    if bad:
        assert "Scegli un&#x27;opzione valida" in html


def test_bad_year_on_the_statistics(operator_client, alice):
    TicketFactory(user=alice)
    url = reverse("tickets:staff_statistics")
    for year in ("2026-99-99", "abc", "1800", "\x00"):
        assert operator_client.get(url, {"year": year}).status_code == 200
        assert operator_client.get(url, {"year": year, "formato": "csv"}).status_code == 200


def test_standard_answer_id_garbage_is_harmless(operator_client, alice):
    ticket = TicketFactory(user=alice)
    url = reverse("tickets:staff_detail", args=[ticket.uid])
    for value in ("abc", "\x00", "1 OR 1=1", "9" * 40):
        assert operator_client.get(url, {"modello": value}).status_code == 200


# --- N+1 ------------------------------------------------------------------------------------------


def _queries(client, url, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_staff_queue_queries_do_not_grow_with_tickets(
    operator_client, alice, charlie, django_assert_max_num_queries
):
    url = reverse("tickets:staff_queue")
    contract = ContractFactory()
    TicketFactory(user=alice, assigned_to=charlie, contract=contract)
    one = _queries(operator_client, url, django_assert_max_num_queries)
    for i in range(29):
        TicketFactory(user=alice, assigned_to=charlie if i % 2 else None, contract=contract)
    with django_assert_max_num_queries(one):
        response = operator_client.get(url)
    assert len(response.context["page_obj"].object_list) == 25


def test_customer_list_queries_do_not_grow_with_tickets(
    client, alice, django_assert_max_num_queries
):
    client.force_login(alice)
    url = reverse("tickets:list")
    contract = LinkFactory(user=alice).contract
    TicketFactory(user=alice, contract=contract)
    one = _queries(client, url, django_assert_max_num_queries)
    for _ in range(29):
        TicketFactory(user=alice, contract=contract)
    with django_assert_max_num_queries(one):
        client.get(url)


def test_conversation_pages_queries_do_not_grow_with_messages(
    client, operator_client, alice, charlie, django_assert_max_num_queries
):
    ticket = filed(alice)
    services.add_customer_message(
        ticket=ticket, user=alice, text="uno", files=services.check_files([pdf_file()])
    )
    client.force_login(alice)
    customer_url = reverse("tickets:detail", args=[ticket.uid])
    staff_url = reverse("tickets:staff_detail", args=[ticket.uid])
    one_customer = _queries(client, customer_url, django_assert_max_num_queries)
    one_staff = _queries(operator_client, staff_url, django_assert_max_num_queries)
    for i in range(10):
        services.publish_answer(
            ticket=ticket, actor=charlie, text=f"r{i}", files=services.check_files([pdf_file()])
        )
        services.add_customer_message(
            ticket=ticket, user=alice, text=f"m{i}", files=services.check_files([pdf_file()])
        )
    with django_assert_max_num_queries(one_customer):
        client.get(customer_url)
    with django_assert_max_num_queries(one_staff):
        operator_client.get(staff_url)


# --- requests.csv ---------------------------------------------------------------------------------


def _export(tmp_path, name, *args):
    folder = tmp_path / name
    folder.mkdir()
    call_command("export_feed", str(folder), *args)
    return (folder / "requests.csv").read_text(encoding="utf-8")


def test_requests_csv_is_stable_honours_since_and_holds_no_notes(tmp_path, alice, charlie):
    old = TicketFactory(user=alice, subject="vecchia")
    services.add_note(ticket=old, actor=charlie, text="notasegreta interna")
    Ticket.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    for _ in range(5):
        TicketFactory(user=alice)
    first = _export(tmp_path, "a")
    second = _export(tmp_path, "b")
    assert first == second
    assert "notasegreta" not in first and "vecchia" not in first
    rows = list(csv.reader(io.StringIO(first)))
    assert len(rows) == 7 and len({r[0] for r in rows[1:]}) == 6
    since = (timezone.now() - timedelta(days=1)).isoformat()
    recent = list(csv.reader(io.StringIO(_export(tmp_path, "c", "--since", since))))
    assert str(old.uid) not in {r[0] for r in recent[1:]} and len(recent) == 6
    # Answering the old request brings it back, with the same id.
    services.publish_answer(ticket=old, actor=charlie, text="ok")
    again = list(csv.reader(io.StringIO(_export(tmp_path, "d", "--since", since))))
    assert str(old.uid) in {r[0] for r in again[1:]}


# --- "Elimina profilo" and "Scarica i miei dati" ------------------------------------------------


def test_profile_deletion_through_the_account_and_the_export_learns_of_it(
    alice, charlie, django_capture_on_commit_callbacks
):
    from accounts.services.profile import delete_profile

    ticket = filed(alice, details={"holder_name": "Gianni Segreto"})
    services.add_customer_message(ticket=ticket, user=alice, text="Via Segreta 7")
    services.publish_answer(ticket=ticket, actor=charlie, text="Risposta")
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = timezone.now() - timedelta(days=1)
    stored = ticket.attachments.get().file
    with django_capture_on_commit_callbacks(execute=True):
        delete_profile(user=alice)
    ticket.refresh_from_db()
    assert ticket.user is None and ticket.text == "" and ticket.holder_name == ""
    assert ticket.protocol and ticket.area == Area.WATER
    assert not ticket.messages.filter(text__contains="Segreta").exists()
    assert not uploads.private_storage().exists(stored)
    # The billing system hears that the request no longer points to a profile.
    rows = list(exports.requests_since(since))
    assert [r[0] for r in rows[1:]] == [str(ticket.uid)] and rows[1][3] == ""


def test_profile_deletion_rolled_back_keeps_the_files(alice):
    from core.registry import registry

    ticket = filed(alice)
    stored = ticket.attachments.get().file
    with pytest.raises(RuntimeError), transaction.atomic():
        registry.delete_personal_data(user=alice)
        raise RuntimeError("the deletion failed later on")
    assert ticket.attachments.get().file == stored
    assert uploads.private_storage().exists(stored)


def test_my_data_holds_my_requests_only_without_notes_or_operators(client, alice, bob, charlie):
    mine = TicketFactory(user=alice, subject="La mia")
    TicketFactory(user=bob, subject="Di Bob")
    services.add_note(ticket=mine, actor=charlie, text="notasegreta")
    services.publish_answer(ticket=mine, actor=charlie, text="Risposta pubblica")
    client.force_login(alice)
    response = client.get(reverse("accounts:my_data_json"))
    assert response.status_code == 200
    text = response.content.decode()
    data = json.loads(text)
    assert "La mia" in text and "Risposta pubblica" in text
    for absent in ("Di Bob", "notasegreta", charlie.username, charlie.last_name):
        assert absent not in text
    assert data is not None
