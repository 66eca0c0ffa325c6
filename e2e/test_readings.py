"""Browser journeys over "Letture contatore" (issue 9): a customer opens a water contract,
reads the tips behind `i`, sends a reading with `nuova` (a value below the last one is
refused, a very high one asks for confirmation, a good one gets a receipt on screen and by
e-mail), then `vedi tutte` with the consumption chart and its table; an operator validates
and rejects self-readings in the back-office queue, and the customer sees the reason.

Each runs at desktop and phone size; every page is screenshotted (e2e/artifacts/ and
/tmp/shots/readings/) and checked with axe-core (WCAG 2.1 A/AA).
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.personas import PERSONAS

from .browser import totp_code

pytestmark = pytest.mark.e2e

CUSTOMER_PASSWORD = "Password-di-prova-2026"  # accounts.tests.factories.UserFactory's
CHARLIE_PASSWORD = PERSONAS["charlie"]["password"]
SHOTS = Path("/tmp/shots/readings")
BAD_REQUEST_LINE = r"^Failed to load resource: the server responded with a status of 400 "


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)


def h1(page):
    return page.get_by_role("heading", level=1)


@pytest.fixture
def customer(transactional_db):
    from accounts.tests.factories import UserFactory

    return UserFactory(
        username="lucia.bianchi",
        email="lucia.bianchi@example.com",
        first_name="Lucia",
        last_name="Bianchi",
        email_confirmed_at=timezone.now(),
    )


@pytest.fixture
def water(customer):
    """Lucia's water contract, a waste one, a 5-digit meter and two years of readings at
    0.3 m³ a day (an estimate among them)."""
    from customers.models import Contract
    from customers.tests.factories import ContractFactory, HolderFactory, LinkFactory
    from readings.models import Reading
    from readings.tests.factories import MeterFactory, ReadingFactory

    holder = HolderFactory(first_name="Lucia", last_name="Bianchi")
    contract = ContractFactory(holder=holder, supply_address="Via Roma 1")
    waste = ContractFactory(holder=holder, service=Contract.Service.WASTE)
    link = LinkFactory(user=customer, contract=contract)
    LinkFactory(user=customer, contract=waste)
    meter = MeterFactory(contract=contract, serial="2002002008")
    today = timezone.localdate()
    day, value = today - timedelta(days=60 * 12), 1000
    while day < today:
        source = Reading.Source.ESTIMATED if value == 1000 + 18 * 10 else Reading.Source.OPERATOR
        ReadingFactory(meter=meter, read_on=day, value=value, source=source)
        day += timedelta(days=60)
        value += 18
    return {"contract": contract, "waste": waste, "link": link, "meter": meter,
            "last": value - 18}  # fmt: skip


def test_customer_sends_a_reading_and_reads_the_consumption(
    page, axe_check, login, console, customer, water
):
    from core.models import OutboxMessage
    from readings.models import Reading

    login(page, "lucia.bianchi", CUSTOMER_PASSWORD, check=axe_check)
    nav = page.get_by_role("navigation", name="Area personale")
    nav.get_by_role("link", name="I miei servizi", exact=True).click()
    row = page.locator("table.sp-services tbody tr").filter(has_text=water["contract"].service_code)
    row.get_by_role("link", name=re.compile("^Apri")).click()
    main = page.locator("main")
    section = page.get_by_role("region", name=re.compile("^Letture contatore"))
    expect(section).to_be_visible()
    expect(section).to_contain_text("MATRICOLA CONTATORE 2002002008")
    expect(section.get_by_role("table")).to_contain_text("stima")
    expect(section.get_by_role("table")).to_contain_text("validata")
    tips = section.locator("[data-reading-tips]")
    expect(tips).to_be_hidden()
    axe_check(page)

    # "i": the two tips, with their drawings.
    info = section.get_by_role("button", name=re.compile(r"^i Suggerimenti"))
    expect(info).to_have_attribute("aria-expanded", "false")
    info.click()
    expect(info).to_have_attribute("aria-expanded", "true")
    expect(tips).to_be_visible()
    expect(tips).to_contain_text("CONTATORE A LETTURA DIRETTA")
    expect(tips).to_contain_text("CONTATORE A LANCETTE")
    expect(tips.get_by_role("img")).to_have_count(2)
    shot(page, "1-section-tips")
    axe_check(page)

    # "nuova": a value below the last one is refused.
    section.get_by_role("link", name=re.compile(r"nuova")).click()
    expect(h1(page)).to_contain_text("nuova")
    value = page.get_by_label(re.compile(r"^Lettura \(m³\)"))
    send = page.get_by_role("button", name="Invia la lettura")
    value.fill(str(water["last"] - 10))
    send.click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(main).to_contain_text("inferiore all'ultima lettura validata")
    expect(value).to_have_value(str(water["last"] - 10))
    expect(page.get_by_label(re.compile("ripartito da zero"))).to_be_visible()
    shot(page, "2-below-last")
    axe_check(page)

    # A very high one: the leak explanation and a confirmation.
    value.fill(str(water["last"] + 900))
    send.click()
    expect(main).to_contain_text("Come scoprire una perdita nascosta")
    expect(main).to_contain_text("delibera 609/2021")
    confirm = page.get_by_label(re.compile("^Ho controllato"))
    expect(confirm).to_be_visible()
    shot(page, "3-leak")
    axe_check(page)
    assert not Reading.objects.filter(source="customer").exists()

    # A good one, sent with a double click: one reading, the receipt on screen and by e-mail.
    good = water["last"] + 19
    value.fill(str(good))
    send.dblclick()
    expect(h1(page)).to_have_text("Lettura ricevuta")
    reading = Reading.objects.get(source="customer")
    receipt = page.get_by_role("status")
    expect(receipt).to_contain_text(reading.receipt)
    expect(receipt).to_contain_text(f"{good} m³")
    expect(receipt).to_contain_text("ricevuta")
    shot(page, "4-receipt")
    axe_check(page)
    mail = OutboxMessage.objects.get(kind="reading_received")
    assert mail.to == "lucia.bianchi@example.com" and reading.receipt in mail.body_text

    assert OutboxMessage.objects.filter(kind="reading_received").count() == 1

    # "vedi tutte": the chart, its table, every reading.
    page.get_by_role("link", name=re.compile("^vedi tutte")).click()
    expect(h1(page)).to_contain_text("Letture contatore")
    chart = page.get_by_role("img", name=re.compile("Grafico dei consumi"))
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name=re.compile("^Consumi tra letture"))
    expect(table).to_contain_text("0,30")
    expect(table).to_contain_text("(stima)")
    readings = page.get_by_role("table", name=re.compile("^Tutte le letture"))
    expect(readings).to_contain_text("autolettura")
    expect(readings).to_contain_text("ricevuta")
    shot(page, "5-history")
    axe_check(page)

    # The waste contract has no such section.
    page.goto(f"/servizi/{water['contract'].links.get().uid}/")
    waste_link = water["waste"].links.get()
    page.goto(f"/servizi/{waste_link.uid}/")
    expect(page.get_by_role("region", name=re.compile("^Letture contatore"))).to_have_count(0)
    console.assert_clean(allow=[BAD_REQUEST_LINE])


@pytest.fixture
def charlie_device(charlie):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.staff import ensure_roles

    ensure_roles()
    return TOTPDevice.objects.create(user=charlie, name="app", confirmed=True)


def test_operator_rejects_a_reading_and_the_customer_sees_why(
    page, open_page, viewport, axe_check, login, console, charlie_device, customer, water
):
    from core.models import AuditEvent, OutboxMessage
    from readings import services
    from readings.models import RejectionReason

    reason = RejectionReason.objects.create(
        text="La foto non è leggibile: inviane una più nitida.", position=1
    )
    import uuid

    reading, _ = services.submit_reading(
        user=customer, meter=water["meter"], value=water["last"] + 19, submission=uuid.uuid4()
    )
    login(page, "charlie", CHARLIE_PASSWORD, otp=lambda: totp_code(charlie_device),
          check=axe_check)  # fmt: skip
    page.locator("header").get_by_role("link", name="Back-office").click()
    menu = page.get_by_role("navigation", name="Menu del back-office")
    menu.get_by_role("link", name="Letture").click()
    expect(h1(page)).to_have_text("Autoletture")
    queue = page.get_by_role("table")
    expect(queue).to_contain_text(water["contract"].service_code)
    expect(queue).to_contain_text("giorni lavorativi")
    shot(page, "6-queue")
    axe_check(page)
    queue.get_by_role("link", name=re.compile("^Apri")).first.click()
    expect(h1(page)).to_contain_text(reading.receipt)
    shot(page, "7-detail")
    axe_check(page)
    # Without a reason: the error next to the field.
    page.get_by_role("button", name="Respingi la lettura").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe_check(page)
    page.get_by_label(re.compile("^Motivo")).select_option(label=reason.text)
    page.get_by_role("button", name="Respingi la lettura").click()
    expect(h1(page)).to_have_text("Autoletture")
    expect(page.locator("main")).to_contain_text("Lettura respinta")
    assert AuditEvent.objects.filter(action="readings.reject").count() == 1
    assert OutboxMessage.objects.filter(kind="reading_rejected", to=customer.email).exists()
    console.assert_clean(allow=[BAD_REQUEST_LINE])

    # The customer sees the status and the reason.
    other = open_page(viewport)
    login(other, "lucia.bianchi", CUSTOMER_PASSWORD)
    other.goto(f"/servizi/{water['link'].uid}/")
    section = other.get_by_role("region", name=re.compile("^Letture contatore"))
    expect(section).to_contain_text("respinta")
    expect(section).to_contain_text(reason.text)
    shot(other, "8-customer-rejected")
    axe_check(other)


def test_the_photo_stays_attached_through_the_leak_confirmation(
    page, axe_check, login, console, customer, water, tmp_path, settings
):
    """A very high value with a photo: the confirmation page says the photo is still
    attached (with "Togli la foto" and "Sostituisci la foto"), the customer confirms without
    choosing it again, and the receipt says the photo was received."""
    from PIL import Image

    from readings.models import PendingPhoto, Reading

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    photo = tmp_path / "contatore-cucina.jpg"
    Image.new("RGB", (320, 240), (10, 90, 110)).save(photo, format="JPEG")
    login(page, "lucia.bianchi", CUSTOMER_PASSWORD, check=axe_check)
    page.goto(f"/letture/{water['link'].uid}/nuova/")
    expect(h1(page)).to_contain_text("nuova")
    main = page.locator("main")
    page.get_by_label(re.compile(r"^Lettura \(m³\)")).fill(str(water["last"] + 900))
    page.get_by_label(re.compile(r"^Foto del contatore")).set_input_files(photo)
    page.get_by_role("button", name="Invia la lettura").click()
    expect(main).to_contain_text("Come scoprire una perdita nascosta")
    held = main.get_by_role("group", name=re.compile("^Foto allegata"))
    expect(held).to_contain_text("Foto allegata: contatore-cucina.jpg")
    expect(held.get_by_label("Togli la foto")).not_to_be_checked()
    expect(page.get_by_label(re.compile(r"^Sostituisci la foto"))).to_be_visible()
    assert PendingPhoto.objects.count() == 1
    shot(page, "9-leak-photo-kept")
    axe_check(page)

    page.get_by_label(re.compile("^Ho controllato")).check()
    page.get_by_role("button", name="Invia la lettura").click()
    expect(h1(page)).to_have_text("Lettura ricevuta")
    receipt = page.get_by_role("status")
    expect(receipt).to_contain_text("Foto")
    expect(receipt).to_contain_text("ricevuta · Apri la foto inviata")
    expect(receipt.get_by_role("link", name="Apri la foto inviata")).to_be_visible()
    shot(page, "10-receipt-with-photo")
    axe_check(page)
    reading = Reading.objects.get(source="customer")
    assert reading.photo and reading.leak_confirmed
    assert not PendingPhoto.objects.exists()
    console.assert_clean(allow=[BAD_REQUEST_LINE])
