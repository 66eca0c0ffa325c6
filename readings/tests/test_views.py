"""The customer pages: the section on water contracts only, nuova → receipt, vedi tutte with
its chart and table, the photo, and a stranger's 404 on every URL."""

import uuid
from datetime import timedelta

import factory
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from customers.tests.factories import ContractFactory, LinkFactory
from readings.models import Reading

from .factories import ReadingFactory
from .test_submit import submit

pytestmark = pytest.mark.django_db


def contract_page(client, link):
    return client.get(reverse("customers:contract", args=[link.uid])).content.decode()


def test_section_on_water_contracts_only(client, alice, water):
    client.force_login(alice)
    html = contract_page(client, water["link"])
    assert "Letture contatore" in html
    assert "MATRICOLA CONTATORE" in html and "M2002002008" in html
    assert "CONTATORE A LETTURA DIRETTA" in html and "CONTATORE A LANCETTE" in html
    assert html.count('class="sp-dial"') == 2
    assert "vedi tutte" in html and "nuova" in html
    assert html.index("readings-title") < html.index("Scollega il servizio")
    waste = LinkFactory(user=alice, contract=ContractFactory(service="waste"))
    assert "Letture contatore" not in contract_page(client, waste)
    assert client.get(reverse("readings:new", args=[waste.uid])).status_code == 404
    assert client.get(reverse("readings:history", args=[waste.uid])).status_code == 404


def test_latest_readings_show_source_and_status(client, alice, water):
    meter = water["meter"]
    ReadingFactory(
        meter=meter,
        read_on=timezone.localdate(),
        value=1216,
        source="customer",
        status="rejected",
        reason_text="Foto illeggibile",
    )
    client.force_login(alice)
    html = contract_page(client, water["link"])
    assert "autolettura" in html and "respinta" in html and "Foto illeggibile" in html
    assert "lettura" in html and "validata" in html


def test_new_reading_then_receipt_on_screen_and_by_mail(client, alice, water):
    client.force_login(alice)
    url = reverse("readings:new", args=[water["link"].uid])
    page = client.get(url)
    assert page.status_code == 200
    key = page.context["form"].initial["submission"]
    bad = client.post(url, {"value": "12,5", "submission": key})
    assert bad.status_code == 400
    assert "senza virgola" in bad.content.decode()
    assert 'value="12,5"' in bad.content.decode()  # what was typed is kept
    response = client.post(url, {"value": "1215", "submission": key})
    reading = Reading.objects.get(source="customer")
    assert response.status_code == 302
    assert response["Location"] == reverse("readings:receipt", args=[reading.uid])
    # The same key again (a reload, a second click): the same receipt, no second row.
    again = client.post(url, {"value": "1215", "submission": key})
    assert again["Location"] == response["Location"]
    assert Reading.objects.filter(source="customer").count() == 1
    html = client.get(response["Location"]).content.decode()
    assert reading.receipt in html and "1215 m³" in html and "ricevuta" in html
    assert OutboxMessage.objects.filter(kind="reading_received", to=alice.email).count() == 1


def test_rollover_and_leak_confirmations_on_the_page(client, alice, water):
    client.force_login(alice)
    url = reverse("readings:new", args=[water["link"].uid])
    low = client.post(url, {"value": "5", "submission": str(uuid.uuid4())}).content.decode()
    assert "inferiore all&#x27;ultima lettura validata" in low
    assert 'name="confirm_rollover"' in low
    high = client.post(url, {"value": "1900", "submission": str(uuid.uuid4())})
    html = high.content.decode()
    assert high.status_code == 400
    assert "Come scoprire una perdita nascosta" in html and 'name="confirm_leak"' in html
    assert "delibera 609/2021" in html
    form = high.context["form"]
    ok = client.post(
        url,
        {"value": "1900", "confirm_leak": "on", "leak_token": form.leak_token_value,
         "submission": form["submission"].value()},
    )  # fmt: skip
    assert ok.status_code == 302


def test_history_is_paged_with_chart_and_table(client, alice, water, django_assert_max_num_queries):
    client.force_login(alice)
    url = reverse("readings:history", args=[water["link"].uid])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    html = response.content.decode()
    assert '<svg class="sp-chart"' in html and "m³ al giorno" in html
    assert "Anno prima (m³ al giorno)" in html
    assert "0,30" in html  # 18 m³ in 60 days
    assert len(response.context["rows"]) == 12
    ReadingFactory.create_batch(
        25, meter=water["meter"], read_on=water["meter"].readings.first().read_on,
        value=1, source="estimated",
        feed_key=factory.Sequence(lambda n: f"x{n}"),
    )  # fmt: skip
    page2 = client.get(url + "?pagina=2")
    assert "Pagina 2 di 2" in page2.content.decode()


def test_estimates_are_marked_in_the_table(client, alice, water):
    meter = water["meter"]
    last = meter.readings.order_by("-read_on").first()
    ReadingFactory(
        meter=meter, read_on=last.read_on + timedelta(days=30), value=last.value + 9,
        source="estimated",
    )  # fmt: skip
    client.force_login(alice)
    html = client.get(reverse("readings:history", args=[water["link"].uid])).content.decode()
    assert "(stima)" in html and 'fill="url(#sp-est)"' in html


def test_photo_only_for_its_sender(client, alice, bob, water, photo_file):
    reading = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    client.force_login(alice)
    response = client.get(reverse("readings:photo", args=[reading.uid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    # bob linked the same contract: he sees the readings, not alice's photo or receipt.
    LinkFactory(user=bob, contract=water["contract"])
    other = Client()
    other.force_login(bob)
    assert other.get(reverse("readings:photo", args=[reading.uid])).status_code == 404
    assert other.get(reverse("readings:receipt", args=[reading.uid])).status_code == 404
    history = other.get(reverse("readings:history", args=[water["link"].uid]))
    assert history.status_code == 404  # alice's link, not bob's


def test_a_stranger_gets_404_on_every_url(alice, bob, water, photo_file):
    reading = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    link = water["link"]
    stranger = Client()
    stranger.force_login(bob)
    urls = [
        reverse("readings:history", args=[link.uid]),
        reverse("readings:new", args=[link.uid]),
        reverse("readings:receipt", args=[reading.uid]),
        reverse("readings:photo", args=[reading.uid]),
        reverse("readings:staff_queue"),
        reverse("readings:staff_detail", args=[reading.uid]),
        reverse("readings:staff_photo", args=[reading.uid]),
    ]
    for url in urls:
        assert stranger.get(url).status_code == 404, url
    post = stranger.post(reverse("readings:new", args=[link.uid]),
                         {"value": "1", "submission": str(uuid.uuid4())})  # fmt: skip
    assert post.status_code == 404
    for name in ("readings:staff_validate", "readings:staff_reject"):
        assert stranger.post(reverse(name, args=[reading.uid])).status_code == 404
        assert stranger.get(reverse(name, args=[reading.uid])).status_code == 404
    assert Reading.objects.get(pk=reading.pk).status == "received"
    anonymous = Client()
    assert anonymous.get(urls[0]).status_code == 302


def test_my_data_and_profile_deletion(alice, water, photo_file):
    from core.registry import registry
    from core.uploads import private_storage

    reading = submit(alice, water["meter"], 1215, photo=photo_file(), photo_kind="jpeg")
    sections = dict(registry.export_sections(alice))
    assert sections["letture"][0]["lettura_m3"] == 1215
    assert sections["letture"][0]["foto"] == "sì"
    name = reading.photo
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        registry.delete_personal_data(user=alice)
    reading.refresh_from_db()
    assert reading.user is None and reading.photo == ""
    assert not private_storage().exists(name)
    assert Reading.objects.filter(pk=reading.pk).exists()  # the contract's reading stays


def test_the_section_costs_two_queries(client, alice, water):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    url = reverse("customers:contract", args=[water["link"].uid])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    ours = [q["sql"] for q in queries if "readings_" in q["sql"]]
    assert len(ours) == 2, ours
