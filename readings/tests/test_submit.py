"""The rules of "nuova": digits, roll-over, the leak threshold, same-day replacement,
double submits, the photo."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent, OutboxMessage
from readings import services
from readings.forms import ReadingForm, confirmation_token
from readings.models import Reading

from .factories import ReadingFactory

pytestmark = pytest.mark.django_db


def submit(user, meter, value, **kwargs):
    kwargs.setdefault("submission", uuid.uuid4())
    reading, _created = services.submit_reading(user=user, meter=meter, value=value, **kwargs)
    return reading


def form(meter, value, today, **extra):
    """The form bound to `value`; confirm_rollover / confirm_leak come with the token the
    warning page hands out (forms.confirmation_token), as the page sends them."""
    data = {"value": value, "submission": str(uuid.uuid4()), **extra}
    for kind in ("rollover", "leak"):
        if extra.get(f"confirm_{kind}"):
            data[f"{kind}_token"] = confirmation_token(meter, int(value), data["submission"], kind)
    f = ReadingForm(data, meter=meter, today=today)
    f.is_valid()
    return f


def test_whole_cubic_metres_within_the_digits(water, today):
    meter = water["meter"]
    assert "senza virgola" in form(meter, "1234,5", today).errors["value"][0]
    assert "senza virgola" in form(meter, "abc", today).errors["value"][0]
    assert "al massimo 5 cifre" in form(meter, "123456", today).errors["value"][0]
    assert form(meter, "01230", today).cleaned_data["value"] == 1230


def test_below_the_last_validated_reading_needs_the_roll_over_confirmation(water, today):
    meter = water["meter"]
    last = meter.readings.order_by("-read_on").first()
    f = form(meter, str(last.value - 1), today)
    assert f.show_rollover and "inferiore all'ultima lettura validata" in f.errors["value"][0]
    with pytest.raises(services.ReadingRefused):
        submit(water["link"].user, meter, last.value - 1, today=today)
    # An estimate is not a validated reading: it does not count as "the last one".
    ReadingFactory(meter=meter, read_on=today - timedelta(days=1), value=99000,
                   source=Reading.Source.ESTIMATED)  # fmt: skip
    assert not form(meter, str(last.value + 5), today).show_rollover
    # Confirmed: near the top of the digits, then round again.
    meter.readings.filter(pk=last.pk).update(value=99990)
    f = form(meter, "3", today, confirm_rollover="on")
    assert f.is_valid(), f.errors
    reading = submit(water["link"].user, meter, 3, rollover=True, today=today)
    assert reading.rollover


def test_leak_warning_at_the_threshold(water, today):
    """0.3 m³/day in the same period of the previous year: 0.6 asks, just below does not."""
    meter = water["meter"]
    last = meter.readings.order_by("-read_on").first()
    days = (today - last.read_on).days
    at_threshold = last.value + round(0.6 * days)
    f = form(meter, str(at_threshold), today)
    assert f.show_leak and not f.is_valid()
    assert "Controlla la lettura, poi conferma" in f.errors["confirm_leak"][0]
    below = last.value + round(0.6 * days) - 2
    assert not form(meter, str(below), today).show_leak
    assert form(meter, str(at_threshold), today, confirm_leak="on").is_valid()
    with pytest.raises(services.ReadingRefused):
        submit(water["link"].user, meter, at_threshold, today=today)
    reading = submit(water["link"].user, meter, at_threshold, today=today, leak_confirmed=True)
    assert reading.leak_confirmed


def test_leak_reference_falls_back_on_the_contracts_average(alice, today):
    from customers.tests.factories import ContractFactory, LinkFactory

    from .factories import MeterFactory

    contract = ContractFactory()
    LinkFactory(user=alice, contract=contract)
    meter = MeterFactory(contract=contract)
    ReadingFactory(meter=meter, read_on=today - timedelta(days=100), value=0)
    ReadingFactory(meter=meter, read_on=today - timedelta(days=50), value=50)  # 1 m³/day
    assert form(meter, str(50 + 100), today).show_leak  # 2 m³/day
    assert not form(meter, str(50 + 98), today).show_leak


def test_a_second_reading_on_the_same_day_replaces_the_first_until_exported(water, alice):
    meter = water["meter"]
    first = submit(alice, meter, 1215)
    second = submit(alice, meter, 1216)
    assert second.pk == first.pk and second.receipt != first.receipt
    assert Reading.objects.filter(source="customer").count() == 1
    assert Reading.objects.get(pk=first.pk).value == 1216
    assert AuditEvent.objects.filter(action="readings.replace").count() == 1
    Reading.objects.filter(pk=first.pk).update(exported_at=timezone.now())
    with pytest.raises(services.ReadingRefused, match="taken"):
        submit(alice, meter, 1217)


def test_double_submit_stores_one_reading_and_one_mail(water, alice):
    meter = water["meter"]
    key = uuid.uuid4()
    first = submit(alice, meter, 1215, submission=key)
    again = submit(alice, meter, 1215, submission=key)
    assert first.pk == again.pk and first.receipt == again.receipt
    assert Reading.objects.filter(source="customer").count() == 1
    assert OutboxMessage.objects.filter(kind="reading_received").count() == 1


def test_receipt_mail(water, alice):
    reading = submit(alice, water["meter"], 1215)
    mail = OutboxMessage.objects.get(kind="reading_received")
    assert mail.to == alice.email
    assert reading.receipt in mail.subject and "1215 m³" in mail.body_text
    assert "entro 9 giorni lavorativi" in mail.body_text


def test_photo_is_checked_by_content_and_stripped(water, alice, photo_file, today):
    from PIL import Image

    from core.uploads import private_storage

    meter = water["meter"]
    liar = photo_file()
    liar.name = "contatore.png"
    f = ReadingForm(
        {"value": "1215", "submission": str(uuid.uuid4())},
        {"photo": photo_file(kind="PNG", name="contatore.jpg")},
        meter=meter,
        today=today,
    )
    assert f.is_valid(), f.errors
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = ReadingForm(
        {"value": "1215", "submission": str(uuid.uuid4())},
        {"photo": SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo %%EOF")},
        meter=meter,
        today=today,
    )
    assert not bad.is_valid() and "non è un JPEG, PNG o HEIC valido" in bad.errors["photo"][0]
    upload = photo_file()
    assert b"Fotocamera Spia" in upload.read()
    upload.seek(0)
    reading = submit(alice, meter, 1215, photo=upload, photo_kind="jpeg")
    with private_storage().open(reading.photo) as stored:
        data = stored.read()
    assert b"Fotocamera Spia" not in data
    stored_image = Image.open(private_storage().open(reading.photo))
    assert not stored_image.getexif()
