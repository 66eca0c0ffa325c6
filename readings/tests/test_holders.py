"""A change of holder through the feed: meters.csv puts a serial on a contract, readings.csv
brings its readings, a second meters.csv moves the serial to the new holder's contract. Each
reading stays with the contract it was taken under: the old holder keeps seeing theirs and
never the new holder's, the new holder sees only theirs, a stranger gets 404."""

import uuid
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from conftest import login_verified
from core.registry import registry
from customers.tests.factories import ContractFactory, LinkFactory
from readings import selectors, services
from readings.feed import EarlierHolders
from readings.models import Meter, Reading

from .test_feed import import_feed, write

pytestmark = pytest.mark.django_db

OLD_CODE, NEW_CODE = "4004004004", "5005005005"
BEFORE = [  # alice's, taken while the meter was on her contract
    "M9,2024-09-01,100,operator,,",
    "M9,2024-11-01,118,operator,,",
    "M9,2025-01-02,136,operator,,",
    "M9,2025-03-01,154,operator,,",
    "M9,2025-05-02,172,operator,,",
]
AFTER = [  # bob's, after the move
    "M9,2025-07-01,190,operator,,",
    "M9,2025-09-01,12345,operator,,",
]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def history(client, link):
    return client.get(reverse("readings:history", args=[link.uid]))


def latest(link):
    """The values of the contract page's "Letture contatore" block."""
    return [row["value"] for row in selectors.contract_section(None, link)["latest"]]


def values(response):
    return sorted(row["value"] for row in response.context["rows"])


@pytest.fixture
def moved(tmp_path, alice, bob):
    """M9 on alice's contract with her readings and a self-reading of hers; then moved to
    bob's contract (hers terminated), with bob's readings."""
    old = ContractFactory(service_code=OLD_CODE, start_date=date(2020, 1, 1))
    new = ContractFactory(service_code=NEW_CODE, start_date=date(2025, 7, 1))
    alices, bobs = LinkFactory(user=alice, contract=old), LinkFactory(user=bob, contract=new)
    feed = write(tmp_path / "one", meters=[f"M9,{OLD_CODE},direct,5,2019-01-01,"], readings=BEFORE)
    status, _out, err = import_feed(feed)
    assert status == 0, err
    meter = Meter.objects.get(serial="M9")
    mine, _ = services.submit_reading(
        user=alice, meter=meter, value=180, submission=uuid.uuid4(), today=date(2025, 6, 20)
    )
    old.status, old.end_date = "terminated", date(2025, 6, 30)
    old.save()
    # The billing system moves the serial and sends bob's readings, its verdict on alice's
    # self-reading, and a correction of one of alice's readings, after the move.
    feed = write(
        tmp_path / "two",
        meters=[f"M9,{NEW_CODE},direct,5,2019-01-01,"],
        readings=[
            *BEFORE[:-1],
            "M9,2025-05-02,173,operator,,",
            "M9,2025-06-20,180,customer,validated,",
            *AFTER,
        ],
    )
    status, out, err = import_feed(feed)
    assert status == 0, err
    assert "meters.csv: 0 created, 1 updated" in out
    return {"old": old, "new": new, "alices": alices, "bobs": bobs, "mine": mine, "meter": meter}


def test_each_reading_keeps_the_contract_it_was_taken_under(moved):
    meter = moved["meter"]
    meter.refresh_from_db()
    assert meter.contract == moved["new"]
    under = dict(Reading.objects.values_list("read_on", "contract__service_code"))
    assert {day for day, code in under.items() if code == OLD_CODE} == {
        date(2024, 9, 1), date(2024, 11, 1), date(2025, 1, 2), date(2025, 3, 1),
        date(2025, 5, 2),  # corrected after the move: still alice's
        date(2025, 6, 20),  # her self-reading, validated by the feed after the move
    }  # fmt: skip
    assert {day for day, code in under.items() if code == NEW_CODE} == {
        date(2025, 7, 1), date(2025, 9, 1)
    }  # fmt: skip
    assert Reading.objects.get(read_on=date(2025, 5, 2)).value == 173
    moved["mine"].refresh_from_db()
    assert moved["mine"].status == "validated"


def test_the_old_holder_keeps_their_history_and_never_sees_the_new_holders(moved, alice):
    client = client_for(alice)
    page = history(client, moved["alices"])
    assert page.status_code == 200
    assert values(page) == [100, 118, 136, 154, 173, 180]
    assert page.context["meter"].serial == "M9"
    assert 'sp-num">12345<' not in page.content.decode()
    assert 'sp-num">173<' in page.content.decode()
    section = client.get(reverse("customers:contract", args=[moved["alices"].uid]))
    assert section.status_code == 200 and "M9" in section.content.decode()
    assert latest(moved["alices"]) == [180, 173, 154, 136, 118]
    # The chart's intervals are hers only (the last one ends with her own reading).
    assert page.context["table"][0]["end"] == "20/06/2025"
    # Her receipt, her photo URL and "Scarica i miei dati" still reach her reading.
    assert client.get(reverse("readings:receipt", args=[moved["mine"].uid])).status_code == 200
    mine = dict(registry.export_sections(alice))["letture"]
    assert [(r["codice_servizio"], r["lettura_m3"]) for r in mine] == [(OLD_CODE, 180)]
    # Her terminated contract takes no new reading.
    assert client.get(reverse("readings:new", args=[moved["alices"].uid])).status_code == 404


def test_the_new_holder_sees_only_their_own(moved, bob):
    client = client_for(bob)
    page = history(client, moved["bobs"])
    assert page.status_code == 200
    assert values(page) == [190, 12345]
    body = page.content.decode()
    for alices in ("173", "154", "136"):
        assert f'sp-num">{alices}<' not in body
    assert 'sp-num">12345<' in body
    assert client.get(reverse("customers:contract", args=[moved["bobs"].uid])).status_code == 200
    assert latest(moved["bobs"]) == [12345, 190]
    # The form compares with bob's readings only: his last is 12345, not alice's 180.
    meter = moved["meter"]
    meter.refresh_from_db()
    assert services.last_validated(meter).value == 12345
    verdict = services.assess(meter, 100, today=date(2025, 10, 1))
    assert verdict.below_last and verdict.last.value == 12345
    # alice's receipt is not his.
    assert client.get(reverse("readings:receipt", args=[moved["mine"].uid])).status_code == 404


def test_a_stranger_gets_404_on_both_contracts(moved):
    client = client_for(UserFactory())
    for link in (moved["alices"], moved["bobs"]):
        assert history(client, link).status_code == 404
        assert client.get(reverse("readings:new", args=[link.uid])).status_code == 404
        assert client.get(reverse("customers:contract", args=[link.uid])).status_code == 404
    assert client.get(reverse("readings:receipt", args=[moved["mine"].uid])).status_code == 404


def test_staff_and_the_export_file_the_reading_under_its_own_contract(moved, roles, charlie):
    from readings.exports import readings_since

    rows = list(readings_since())
    assert rows[1][2] == OLD_CODE
    staff = Client()
    login_verified(staff, charlie)
    found = staff.get(reverse("readings:staff_queue"), {"stato": "", "q": OLD_CODE})
    assert [r["reading"].pk for r in found.context["rows"]] == [moved["mine"].pk]
    assert (
        staff.get(reverse("readings:staff_queue"), {"stato": "", "q": NEW_CODE}).context["rows"]
        == []
    )
    detail = staff.get(reverse("readings:staff_detail", args=[moved["mine"].uid]))
    assert detail.context["reading"].contract == moved["old"]
    assert {r["value"] for r in detail.context["previous"]} <= {100, 118, 136, 154, 173}


def test_a_late_row_with_no_earlier_holder_on_record_goes_to_the_current_contract():
    assert EarlierHolders().contract_on(1, 7, date(2020, 1, 1)) == 7


def test_a_reading_sent_after_the_move_is_the_new_holders(moved, bob):
    meter = moved["meter"]
    meter.refresh_from_db()
    reading, _ = services.submit_reading(
        user=bob, meter=meter, value=12400, submission=uuid.uuid4(), today=date(2025, 10, 1)
    )
    assert reading.contract == moved["new"]
    assert 12400 in values(history(client_for(bob), moved["bobs"]))
