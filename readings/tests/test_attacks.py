"""An outsider's attacks on "Letture contatore": other people's ids, staff pages for the wrong
visitors, forged and malformed input, double and racing submits, hostile photos, the clock,
the queue's order and cost, the export, "Scarica i miei dati" / "Elimina profilo", the feed."""

import csv
import io
import threading
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.staff import ROLE_PRATICHE
from accounts.tests.factories import UserFactory, staff_member
from conftest import login_verified
from customers.tests.factories import ContractFactory, LinkFactory
from readings import selectors, services
from readings.models import Reading, RejectionReason

from .factories import MeterFactory, ReadingFactory
from .test_feed import import_feed, write
from .test_submit import submit

pytestmark = pytest.mark.django_db


def new_url(link):
    return reverse("readings:new", args=[link.uid])


def post_new(client, link, value, **extra):
    return client.post(new_url(link), {"value": value, "submission": str(uuid.uuid4()), **extra})


def jpeg_bytes(size=(64, 48), exif=None):
    from PIL import Image

    buf = io.BytesIO()
    extra = {"exif": exif.tobytes()} if exif is not None else {}
    Image.new("RGB", size, (10, 90, 110)).save(buf, format="JPEG", **extra)
    return buf.getvalue()


@pytest.fixture
def bob_water(bob):
    contract = ContractFactory()
    link = LinkFactory(user=bob, contract=contract)
    meter = MeterFactory(contract=contract)
    ReadingFactory(meter=meter, read_on=timezone.localdate() - timedelta(days=60), value=10)
    return {"contract": contract, "link": link, "meter": meter}


# --- customer URLs with somebody else's ids ---------------------------------------------------


def test_every_customer_url_with_another_customers_ids_is_404(
    alice, bob, water, bob_water, photo_file
):
    reading = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    intruder = Client()
    intruder.force_login(bob)  # bob has a water contract of his own
    link = water["link"]
    for url in (
        reverse("customers:contract", args=[link.uid]),
        reverse("readings:history", args=[link.uid]),
        reverse("readings:history", args=[link.uid]) + "?pagina=2",
        new_url(link),
        reverse("readings:receipt", args=[reading.uid]),
        reverse("readings:photo", args=[reading.uid]),
        # bob's own contract uid does not open alice's reading either
        reverse("readings:receipt", args=[uuid.uuid4()]),
    ):
        assert intruder.get(url).status_code == 404, url
    response = post_new(intruder, link, "1300")
    assert response.status_code == 404
    assert Reading.objects.filter(user=bob).count() == 0
    assert Reading.objects.get(pk=reading.pk).value == 1215
    # The link uid of a reading, or a reading uid in place of a link: nothing.
    assert intruder.get(reverse("readings:history", args=[reading.uid])).status_code == 404
    assert intruder.get(reverse("readings:receipt", args=[link.uid])).status_code == 404


def test_a_waste_contract_has_no_readings_pages(client, alice):
    waste = LinkFactory(user=alice, contract=ContractFactory(service="waste"))
    MeterFactory(contract=waste.contract)  # even with a meter wrongly attached
    client.force_login(alice)
    assert client.get(reverse("readings:history", args=[waste.uid])).status_code == 404
    assert client.get(new_url(waste)).status_code == 404
    assert post_new(client, waste, "10").status_code == 404
    assert not Reading.objects.exists()


# --- staff URLs for the wrong visitors ---------------------------------------------------------


def staff_urls(reading):
    return [
        ("get", reverse("readings:staff_queue")),
        ("get", reverse("readings:staff_detail", args=[reading.uid])),
        ("get", reverse("readings:staff_photo", args=[reading.uid])),
        ("post", reverse("readings:staff_validate", args=[reading.uid])),
        ("post", reverse("readings:staff_reject", args=[reading.uid])),
    ]


@pytest.mark.parametrize("visitor", ["anonymous", "customer", "unverified", "pratiche", "no_role"])
def test_every_staff_url_refuses_the_wrong_visitor(visitor, roles, alice, charlie, water,
                                                   photo_file):  # fmt: skip
    reading = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    reason = RejectionReason.objects.first()
    client = Client()
    if visitor == "customer":
        client.force_login(alice)
    elif visitor == "unverified":
        client.force_login(charlie)  # has the permission, not the second factor
    elif visitor == "pratiche":
        login_verified(client, staff_member(ROLE_PRATICHE, username="paolo"))
    elif visitor == "no_role":
        login_verified(client, staff_member(None, username="senzaruolo"))
    for method, url in staff_urls(reading):
        response = getattr(client, method)(url, {"reason": reason.pk})
        if visitor == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(resolve_url(django_settings.LOGIN_URL)), url
        elif visitor == "unverified":
            assert response.status_code == 302, url
            assert response["Location"] == reverse("accounts:two_factor"), url
        else:
            assert response.status_code == 404, url
    reading.refresh_from_db()
    assert reading.status == "received" and reading.decided_by is None


def test_services_without_the_permission_refuse(roles, alice, water):
    reading = submit(alice, water["meter"], 1215)
    reason = RejectionReason.objects.first()
    pratiche = staff_member(ROLE_PRATICHE, username="paolo")
    for actor in (alice, pratiche):
        with pytest.raises(PermissionDenied):
            services.validate(reading=reading, actor=actor)
        with pytest.raises(PermissionDenied):
            services.reject(reading=reading, reason=reason, actor=actor)
    assert Reading.objects.get(pk=reading.pk).status == "received"


# --- validation of "nuova" ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["abc", "-5", "-0", "+1215", "1e3", "12.5", "0x10", "123456", "٣", "١٢٣٤", "１２３",
     "12\u00a015", "12\t15", "9" * 20, "9" * 5000, "99999999999999999999999999999999",
     "1215\x00", ""],
)  # fmt: skip
def test_bad_values_are_refused_next_to_the_field_and_kept(client, alice, water, typed):
    client.force_login(alice)
    response = post_new(client, water["link"], typed)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.get("value"), form.errors
    message = form.errors["value"][0]
    assert any(word in message for word in ("cifre", "campo", "caratteri", "Scrivi", "nullo"))
    assert not Reading.objects.filter(source="customer").exists()
    html = response.content.decode()
    assert 'aria-invalid="true"' in html or "is-invalid" in html


def test_what_was_typed_is_kept(client, alice, water):
    client.force_login(alice)
    html = post_new(client, water["link"], "12a4").content.decode()
    assert 'value="12a4"' in html


@pytest.mark.parametrize("typed, stored", [(" 1215 ", 1215), ("\t1215\n", 1215), ("01215", 1215)])
def test_spaces_around_and_leading_zeros_are_accepted(client, alice, water, typed, stored):
    client.force_login(alice)
    assert post_new(client, water["link"], typed).status_code == 302
    assert Reading.objects.get(source="customer").value == stored


@pytest.mark.parametrize("key", ["", "not-a-uuid", "'; DROP TABLE x; --", "1" * 500])
def test_a_forged_submission_key_is_a_form_error_not_a_500(client, alice, water, key):
    client.force_login(alice)
    response = client.post(new_url(water["link"]), {"value": "1215", "submission": key})
    assert response.status_code == 400
    assert not Reading.objects.filter(source="customer").exists()


def test_below_the_last_validated_needs_the_confirmation(client, alice, water):
    client.force_login(alice)
    response = post_new(client, water["link"], "10")
    assert response.status_code == 400
    assert "inferiore all'ultima lettura validata" in response.context["form"].errors["value"][0]
    assert not Reading.objects.filter(source="customer").exists()


def test_the_leak_confirmation_cannot_be_forged_on_a_first_post(client, alice, water):
    client.force_login(alice)
    link = water["link"]
    first = post_new(client, link, "1900", confirm_leak="on")
    assert first.status_code == 400
    assert "Come scoprire una perdita nascosta" in first.content.decode()
    assert first.context["form"].errors.get("confirm_leak")
    assert not Reading.objects.filter(source="customer").exists()
    # Confirming after the warning, with what the warning page handed out, is accepted...
    form = first.context["form"]
    token = form.leak_token_value
    assert token and f'value="{token}"' in first.content.decode()
    # ... but not for another value than the one warned about.
    other = post_new(client, link, "5000", confirm_leak="on", leak_token=token)
    assert other.status_code == 400 and other.context["form"].errors.get("confirm_leak")
    forged = post_new(client, link, "1900", confirm_leak="on", leak_token="1900")
    assert forged.status_code == 400
    assert not Reading.objects.filter(source="customer").exists()
    ok = client.post(
        new_url(link),
        {"value": "1900", "confirm_leak": "on", "leak_token": token,
         "submission": form["submission"].value()},
    )  # fmt: skip
    assert ok.status_code == 302
    assert Reading.objects.get(source="customer").leak_confirmed


def test_the_rollover_confirmation_cannot_be_forged_on_a_first_post(client, alice, water):
    client.force_login(alice)
    first = post_new(client, water["link"], "10", confirm_rollover="on", rollover_token="x")
    assert first.status_code == 400
    assert first.context["form"].errors.get("value")
    assert not Reading.objects.filter(source="customer").exists()
    form = first.context["form"]
    ok = client.post(
        new_url(water["link"]),
        {"value": "10", "confirm_rollover": "on", "rollover_token": form.rollover_token_value,
         "submission": form["submission"].value()},
    )  # fmt: skip
    # Gone round 100 000 m³ since the last reading: the leak warning follows.
    assert ok.status_code == 400 and ok.context["form"].show_leak
    leak = ok.context["form"]
    done = client.post(
        new_url(water["link"]),
        {"value": "10", "confirm_rollover": "on", "rollover_token": leak.rollover_token_value,
         "confirm_leak": "on", "leak_token": leak.leak_token_value,
         "submission": leak["submission"].value()},
    )  # fmt: skip
    assert done.status_code == 302
    reading = Reading.objects.get(source="customer")
    assert reading.rollover and reading.leak_confirmed


# --- double and racing submits, same-day replacement ------------------------------------------


def test_a_double_click_stores_one_reading(client, alice, water):
    client.force_login(alice)
    key = str(uuid.uuid4())
    url = new_url(water["link"])
    first = client.post(url, {"value": "1215", "submission": key})
    second = client.post(url, {"value": "1215", "submission": key})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Reading.objects.filter(source="customer").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_key", [True, False])
def test_two_racing_posts_store_one_reading(alice, water, same_key):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL")
    url = new_url(water["link"])
    keys = [str(uuid.uuid4())] * 2 if same_key else [str(uuid.uuid4()), str(uuid.uuid4())]
    start = threading.Barrier(2)
    statuses = []

    def post(key):
        try:
            c = Client()
            c.force_login(alice)
            start.wait()
            statuses.append(c.post(url, {"value": "1215", "submission": key}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302]
    assert Reading.objects.filter(source="customer").count() == 1


def test_replacing_on_the_same_day_only_before_the_export(client, alice, bob, water, tmp_path):
    client.force_login(alice)
    link = water["link"]
    assert post_new(client, link, "1215").status_code == 302
    assert post_new(client, link, "1216").status_code == 302
    assert list(Reading.objects.filter(source="customer").values_list("value", flat=True)) == [1216]
    call_command("export_feed", str(tmp_path / "out"), stdout=io.StringIO())
    late = post_new(client, link, "1217")
    assert late.status_code == 400
    assert "già trasmessa" in late.content.decode()
    assert 'value="1217"' in late.content.decode()
    assert Reading.objects.get(source="customer").value == 1216
    # Another customer linked to the same contract cannot replace alice's reading either.
    bobs = LinkFactory(user=bob, contract=water["contract"])
    other = Client()
    other.force_login(bob)
    assert post_new(other, bobs, "1300").status_code == 400
    assert Reading.objects.get(source="customer").value == 1216


def test_a_reading_in_an_export_being_written_can_no_longer_be_replaced(alice, water):
    """Once the export has read a reading, a replacement would leave the billing system with
    a value the portal no longer has: the reading counts as exported from then on."""
    from readings.exports import readings_since

    submit(alice, water["meter"], 1215)
    rows = readings_since(None)
    next(rows)
    assert next(rows)[4] == 1215  # the export has read the reading...
    with pytest.raises(services.ReadingRefused, match="taken"):
        submit(alice, water["meter"], 1216)  # ... so it is no longer replaced
    list(rows)
    assert Reading.objects.get(source="customer").value == 1215


# --- the photo ---------------------------------------------------------------------------------


def photo_post(client, link, upload):
    return client.post(
        new_url(link), {"value": "1215", "submission": str(uuid.uuid4()), "photo": upload}
    )


def test_a_photo_that_is_not_a_photo_is_refused(client, alice, water):
    client.force_login(alice)
    for upload in (
        SimpleUploadedFile("contatore.jpg", b"<html><script>alert(1)</script>", "image/jpeg"),
        SimpleUploadedFile("contatore.jpg", b"\xff\xd8\xff" + b"\x00" * 200, "image/jpeg"),
        SimpleUploadedFile("contatore.jpg", b"%PDF-1.4\n%%EOF", "image/jpeg"),
        SimpleUploadedFile("contatore.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40),
    ):
        response = photo_post(client, water["link"], upload)
        assert response.status_code == 400
        assert "non è un JPEG, PNG o HEIC valido" in response.context["form"].errors["photo"][0]
        assert response.context["form"]["value"].value() == "1215"
    assert not Reading.objects.filter(source="customer").exists()


def test_a_photo_over_10_mb_is_refused(client, alice, water):
    client.force_login(alice)
    data = jpeg_bytes()
    big = data + b"\x00" * (10 * 1024 * 1024 + 1 - len(data))
    # The form takes 11 MB (readings registers it with core.request_size): the photo reaches
    # the form, whose own limit answers next to the field, with the value kept.
    response = photo_post(client, water["link"], SimpleUploadedFile("c.jpg", big, "image/jpeg"))
    assert response.status_code == 400
    assert "troppo grande" in response.context["form"].errors["photo"][0]
    assert response.context["form"]["value"].value() == "1215"
    assert not Reading.objects.filter(source="customer").exists()


def test_heic_is_accepted_and_stored_as_jpeg(client, alice, water):
    import pillow_heif
    from PIL import Image

    from core.uploads import private_storage

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buf, format="HEIF")
    client.force_login(alice)
    response = photo_post(client, water["link"], SimpleUploadedFile("c.heic", buf.getvalue()))
    assert response.status_code == 302
    reading = Reading.objects.get(source="customer")
    assert reading.photo_kind == "jpeg"
    with private_storage().open(reading.photo) as f:
        assert f.read(3) == b"\xff\xd8\xff"


def test_gps_position_is_stripped(client, alice, water):
    from PIL import Image

    from core.uploads import private_storage

    exif = Image.Exif()
    exif[0x010F] = "Fotocamera Spia"
    exif[0x8825] = {1: "N", 2: (45.0, 28.0, 0.0), 3: "E", 4: (9.0, 11.0, 0.0)}
    data = jpeg_bytes(exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    client.force_login(alice)
    assert photo_post(client, water["link"], SimpleUploadedFile("c.jpg", data)).status_code == 302
    reading = Reading.objects.get(source="customer")
    with private_storage().open(reading.photo) as f:
        stored = f.read()
    assert b"Fotocamera Spia" not in stored and b"Exif" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825)


def test_the_photo_is_served_as_an_attachment_to_owner_and_staff_only(
    roles, alice, bob, charlie, water, photo_file
):
    reading = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    owner = Client()
    owner.force_login(alice)
    staff = Client()
    login_verified(staff, charlie)
    for client, name in ((owner, "readings:photo"), (staff, "readings:staff_photo")):
        response = client.get(reverse(name, args=[reading.uid]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Type"] == "image/jpeg"
    LinkFactory(user=bob, contract=water["contract"])  # same contract, not his photo
    other = Client()
    other.force_login(bob)
    assert other.get(reverse("readings:photo", args=[reading.uid])).status_code == 404
    assert other.get(reverse("readings:staff_photo", args=[reading.uid])).status_code == 404


# --- the clock and the queue -----------------------------------------------------------------


def test_nine_working_days_across_easter_monday_and_the_patron_saints_day(settings, alice,
                                                                           water):  # fmt: skip
    reading = submit(alice, water["meter"], 1215)
    # 2025: Easter Monday 21 April, 25 April a Friday, 1 May a Thursday.
    Reading.objects.filter(pk=reading.pk).update(
        received_at=timezone.make_aware(datetime(2025, 4, 17, 23, 30))
    )
    reading.refresh_from_db()
    settings.PATRON_SAINT_DAY = ""
    assert selectors.due_on(reading) == date(2025, 5, 5)
    settings.PATRON_SAINT_DAY = "04-29"  # a Tuesday in the period: one more day
    assert selectors.due_on(reading) == date(2025, 5, 6)
    settings.PATRON_SAINT_DAY = "04-26"  # a Saturday: changes nothing
    assert selectors.due_on(reading) == date(2025, 5, 5)


def received(meter, user, day, status="received"):
    return ReadingFactory(
        meter=meter, read_on=day, source="customer", status=status, user=user,
        uid=uuid.uuid4(), received_at=timezone.make_aware(datetime(day.year, day.month, day.day)),
        receipt=uuid.uuid4().hex[:12], decided_at=timezone.now() if status != "received" else None,
        value=1100,
    )  # fmt: skip


def test_overdue_first_in_every_view_of_the_queue(roles, alice, charlie, water):
    meter = water["meter"]
    today = timezone.localdate()
    fresh = received(meter, alice, today - timedelta(days=1))
    overdue = received(meter, alice, today - timedelta(days=40))
    decided = received(meter, alice, today - timedelta(days=300), status="validated")
    client = Client()
    login_verified(client, charlie)
    url = reverse("readings:staff_queue")
    waiting = [r["reading"].pk for r in client.get(url).context["rows"]]
    assert waiting == [overdue.pk, fresh.pk]
    every = [r["reading"].pk for r in client.get(url, {"stato": ""}).context["rows"]]
    assert every[:2] == [overdue.pk, fresh.pk] and decided.pk in every


def test_queue_and_history_cost_the_same_with_50_readings(
    roles, alice, charlie, water, django_assert_max_num_queries
):
    staff = Client()
    login_verified(staff, charlie)
    owner = Client()
    owner.force_login(alice)
    queue = reverse("readings:staff_queue")
    history = reverse("readings:history", args=[water["link"].uid])
    staff.get(queue)
    owner.get(history)
    with django_assert_max_num_queries(15):
        staff.get(queue)
    with django_assert_max_num_queries(12):
        owner.get(history)
    day = timezone.localdate() - timedelta(days=900)
    for n in range(50):
        contract = ContractFactory()
        meter = MeterFactory(contract=contract)
        received(meter, LinkFactory(contract=contract, user=UserFactory()).user,
                 day + timedelta(days=n))  # fmt: skip
        received(water["meter"], alice, day + timedelta(days=n, hours=12) + timedelta(days=100))
    with django_assert_max_num_queries(15):
        response = staff.get(queue)
    assert len(response.context["rows"]) == 50
    with django_assert_max_num_queries(12):
        response = owner.get(history)
    assert len(response.context["rows"]) == 20


# --- export, "Scarica i miei dati", "Elimina profilo" ------------------------------------------


def export(directory, since=None):
    args = [str(directory)] + (["--since", since] if since else [])
    call_command("export_feed", *args, stdout=io.StringIO())
    with (directory / "readings.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_export_ids_are_stable_since_is_honoured_and_reruns_are_safe(roles, alice, charlie,
                                                                     water, tmp_path):  # fmt: skip
    reading = submit(alice, water["meter"], 1215)
    first = export(tmp_path / "a")
    assert [r["reading_id"] for r in first] == [str(reading.pk)]
    assert first[0]["status"] == "received"
    assert export(tmp_path / "b") == first  # re-run: the same rows
    later = timezone.now() + timedelta(seconds=1)
    assert export(tmp_path / "c", since=later.isoformat()) == []
    mark = timezone.now()
    services.validate(reading=reading, actor=charlie)
    changed = export(tmp_path / "d", since=mark.isoformat())
    assert [(r["reading_id"], r["status"]) for r in changed] == [(str(reading.pk), "validated")]
    # the billing system's rows (no received_at) never go back to it
    assert len(export(tmp_path / "e")) == 1


def test_my_data_holds_only_my_readings_and_deletion_forgets_me(alice, bob, water, photo_file):
    from django.test import TestCase

    from core.registry import registry
    from core.uploads import private_storage

    mine = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    LinkFactory(user=bob, contract=water["contract"])
    received(water["meter"], bob, timezone.localdate() - timedelta(days=3))
    section = dict(registry.export_sections(alice))["letture"]
    assert [r["numero_ricevuta"] for r in section] == [mine.receipt]
    with TestCase.captureOnCommitCallbacks(execute=True):
        registry.delete_personal_data(user=alice)
    mine.refresh_from_db()
    assert mine.user is None and mine.photo == "" and mine.submission is None
    assert not private_storage().listdir("readings")[1]
    assert Reading.objects.filter(user=bob).count() == 1  # bob's untouched
    assert dict(registry.export_sections(bob))["letture"]


# --- the feed ---------------------------------------------------------------------------------


def test_a_feed_verdict_for_another_meter_cannot_change_a_customers_reading(
    tmp_path, alice, water, bob_water
):
    reading = submit(alice, water["meter"], 1215)
    other = bob_water["meter"].serial
    day = reading.read_on.isoformat()
    feed = write(
        tmp_path / "in",
        readings=[
            f"{other},{day},1215,customer,rejected,Lettura non coerente",
            f"{other}|{day},{day},1,customer,rejected,x",
            f"{water['meter'].serial}|{day}|customer,{day},1,customer,rejected,x",
        ],
    )
    import_feed(feed)
    reading.refresh_from_db()
    assert (reading.status, reading.reason_text, reading.value) == ("received", "", 1215)
    assert reading.meter == water["meter"]


def test_a_meter_moved_to_another_contract_keeps_its_history(tmp_path, alice, bob, water):
    """A change of holder: the meter moves to the new holder's contract. Its readings stay,
    and the new holder does not see the old holder's readings."""
    meter = water["meter"]
    before = meter.readings.count()
    mine = submit(alice, meter, 1215)
    moved_on = timezone.localdate() + timedelta(days=1)
    new = ContractFactory(service_code="7007007007", start_date=moved_on)
    Reading.objects.filter(pk=mine.pk).update(status="validated")
    old = water["contract"]
    old.end_date = moved_on
    old.save()
    bobs = LinkFactory(user=bob, contract=new)
    feed = write(tmp_path / "in", meters=[f"{meter.serial},7007007007,direct,5,2015-01-01,"])
    status, _out, err = import_feed(feed)
    assert status == 0, err
    meter.refresh_from_db()
    assert meter.contract == new
    assert meter.readings.count() == before + 1
    client = Client()
    client.force_login(bob)
    history = client.get(reverse("readings:history", args=[bobs.uid]))
    assert history.status_code == 200
    assert history.context["rows"] == []
    assert "1215" not in client.get(reverse("customers:contract", args=[bobs.uid])).content.decode()
    # bob's leak warning is not measured against alice's consumption (nor shows it).
    meter.refresh_from_db()
    assert services.assess(meter, 1215 + 500, today=moved_on + timedelta(days=30)).reference is None
    # What stays with alice: her readings in "Scarica i miei dati".
    from core.registry import registry

    assert [r["numero_ricevuta"] for r in dict(registry.export_sections(alice))["letture"]] == [
        mine.receipt
    ]


# --- odds and ends -----------------------------------------------------------------------------


def test_another_customers_submission_key_opens_nothing(client, alice, bob, water, bob_water):
    """bob somehow learns the one-time key of alice's form: his post neither returns her
    reading nor leaks its uid in the redirect."""
    key = uuid.uuid4()
    mine = submit(alice, water["meter"], 1215, submission=key)
    client.force_login(bob)
    response = client.post(new_url(bob_water["link"]), {"value": "30", "submission": str(key)})
    assert response.status_code in (302, 400)
    assert str(mine.uid) not in response.get("Location", "")
    assert str(mine.uid) not in response.content.decode()
    mine.refresh_from_db()
    assert (mine.user, mine.value) == (alice, 1215)


def test_a_photo_missing_from_storage_is_a_404_not_a_500(roles, alice, charlie, water,
                                                        photo_file):  # fmt: skip
    from core.uploads import private_storage

    reading = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    private_storage().delete(reading.photo)
    owner = Client(raise_request_exception=False)
    owner.force_login(alice)
    assert owner.get(reverse("readings:photo", args=[reading.uid])).status_code == 404
    staff = Client(raise_request_exception=False)
    login_verified(staff, charlie)
    assert staff.get(reverse("readings:staff_photo", args=[reading.uid])).status_code == 404


def test_posts_need_the_csrf_token(alice, water):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert post_new(client, water["link"], "1215").status_code == 403
    assert not Reading.objects.filter(source="customer").exists()


def test_staff_pages_after_the_customer_deleted_the_profile(roles, alice, charlie, water):
    from django.test import TestCase

    from core.registry import registry

    reading = submit(alice, water["meter"], 1215)
    with TestCase.captureOnCommitCallbacks(execute=True):
        registry.delete_personal_data(user=alice)
    staff = Client()
    login_verified(staff, charlie)
    assert staff.get(reverse("readings:staff_queue")).status_code == 200
    assert staff.get(reverse("readings:staff_detail", args=[reading.uid])).status_code == 200
    reason = RejectionReason.objects.first()
    response = staff.post(
        reverse("readings:staff_reject", args=[reading.uid]),
        {"reason": reason.pk, "receipt": reading.receipt},
    )
    assert response.status_code == 302
    assert Reading.objects.get(pk=reading.pk).status == "rejected"


@pytest.mark.parametrize("query", ["?pagina=abc", "?pagina=-1", "?pagina=" + "9" * 40])
def test_odd_page_numbers_are_not_a_500(client, alice, water, query):
    client.force_login(alice)
    url = reverse("readings:history", args=[water["link"].uid]) + query
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("query", [{"stato": "x"}, {"q": "x" * 500}, {"pagina": "zz"}])
def test_odd_queue_filters_are_not_a_500(roles, charlie, query):
    client = Client()
    login_verified(client, charlie)
    assert client.get(reverse("readings:staff_queue"), query).status_code == 200


def test_staff_cannot_decide_on_a_value_they_did_not_see(roles, alice, charlie, water):
    """charlie opens the reading; alice replaces it (same day, not exported); charlie's
    click decides nothing and sends him back to the new value."""
    seen = submit(alice, water["meter"], 1215)
    staff = Client()
    login_verified(staff, charlie)
    page = staff.get(reverse("readings:staff_detail", args=[seen.uid])).content.decode()
    assert f'name="receipt" value="{seen.receipt}"' in page
    replaced = submit(alice, water["meter"], 1220)
    assert replaced.pk == seen.pk and replaced.receipt != seen.receipt
    reason = RejectionReason.objects.first()
    for name, data in (
        ("readings:staff_validate", {"receipt": seen.receipt}),
        ("readings:staff_reject", {"receipt": seen.receipt, "reason": reason.pk}),
        ("readings:staff_validate", {}),
    ):
        response = staff.post(reverse(name, args=[seen.uid]), data)
        assert response.status_code == 302
        assert response["Location"] == reverse("readings:staff_detail", args=[seen.uid])
        assert Reading.objects.get(pk=seen.pk).status == "received"
    staff.post(reverse("readings:staff_validate", args=[seen.uid]), {"receipt": replaced.receipt})
    assert Reading.objects.get(pk=seen.pk).status == "validated"


@pytest.mark.parametrize("kind", ["PNG", "HEIF"])
def test_gps_position_is_stripped_from_png_and_heic_too(client, alice, water, kind):
    import pillow_heif
    from PIL import Image

    from core.uploads import private_storage

    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (45.0, 28.0, 0.0), 3: "E", 4: (9.0, 11.0, 0.0)}
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 90, 110)).save(buf, format=kind, exif=exif.tobytes())
    assert Image.open(io.BytesIO(buf.getvalue())).getexif().get_ifd(0x8825)
    client.force_login(alice)
    upload = SimpleUploadedFile(f"c.{kind.lower()}", buf.getvalue())
    assert photo_post(client, water["link"], upload).status_code == 302
    reading = Reading.objects.get(source="customer")
    with private_storage().open(reading.photo) as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert not stored.getexif().get_ifd(0x8825)


def test_a_terminated_contract_takes_no_new_readings(client, alice, water):
    """A cessato supply (a change of holder whose meter move has not come with the feed
    yet): its old holder sees the history, and cannot send readings of someone else's water."""
    contract = water["contract"]
    contract.status = "terminated"
    contract.save()
    client.force_login(alice)
    link = water["link"]
    html = client.get(reverse("customers:contract", args=[link.uid])).content.decode()
    assert "vedi tutte" in html and new_url(link) not in html
    history = client.get(reverse("readings:history", args=[link.uid]))
    assert history.status_code == 200 and new_url(link) not in history.content.decode()
    assert client.get(new_url(link)).status_code == 404
    assert post_new(client, link, "1215").status_code == 404
    assert not Reading.objects.filter(source="customer").exists()


def test_a_customer_cannot_flood_the_readings(client, alice, water, settings):
    """Each reading sends a receipt e-mail and may carry a 10 MB photo: a daily ceiling
    (READINGS_SUBMIT_LIMIT); the same form sent again does not count."""
    from core.models import OutboxMessage

    settings.READINGS_SUBMIT_LIMIT = 2
    client.force_login(alice)
    link = water["link"]
    key = str(uuid.uuid4())
    for _ in range(3):
        assert client.post(new_url(link), {"value": "1215", "submission": key}).status_code == 302
    assert post_new(client, link, "1216").status_code == 302
    flood = post_new(client, link, "1217")
    assert flood.status_code == 429
    html = flood.content.decode()
    assert "Oggi hai già inviato molte letture" in html and 'value="1217"' in html
    assert Reading.objects.get(source="customer").value == 1216
    assert OutboxMessage.objects.filter(kind="reading_received").count() == 2
