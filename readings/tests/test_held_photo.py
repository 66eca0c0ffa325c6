"""The photo survives the confirmation page: checked and re-encoded on the first post, held in
the private storage under a signed token bound to the user and the form, attached on
confirmation; removable and replaceable; refused with another user's or a tampered token;
deleted by housekeeping when the confirmation never comes and by "Elimina profilo"."""

import uuid
from datetime import timedelta

import pytest
from django.core import signing
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.uploads import private_storage
from customers.tests.factories import ContractFactory, LinkFactory
from readings.forms import PHOTO_SALT, PHOTO_TOKEN_MAX_AGE, photo_token
from readings.models import PendingPhoto, Reading

from .factories import MeterFactory

pytestmark = pytest.mark.django_db


def new_url(link):
    return reverse("readings:new", args=[link.uid])


def warned(client, link, photo, value="1900"):
    """The first post: a high value with a photo; the page asks for the leak confirmation."""
    response = client.post(
        new_url(link), {"value": value, "submission": str(uuid.uuid4()), "photo": photo}
    )
    assert response.status_code == 400
    assert response.context["form"].show_leak
    return response


def confirm(client, link, first, **extra):
    form = first.context["form"]
    data = {
        "value": form["value"].value(),
        "submission": form["submission"].value(),
        "confirm_leak": "on",
        "leak_token": form.leak_token_value,
        "photo_token": form.photo_token_value,
        **extra,
    }
    return client.post(new_url(link), data)


def test_the_photo_is_kept_through_the_confirmation(client, alice, water, photo_file):
    client.force_login(alice)
    link = water["link"]
    first = warned(client, link, photo_file(name="il mio contatore.jpg"))
    held = PendingPhoto.objects.get()
    assert held.user == alice and held.filename == "il mio contatore.jpg"
    assert private_storage().exists(held.name)
    # Re-encoded already: no EXIF left in what is held.
    with private_storage().open(held.name) as f:
        assert b"Fotocamera Spia" not in f.read()
    body = first.content.decode()
    assert "Foto allegata:" in body and "il mio contatore.jpg" in body
    assert "Togli la foto" in body and "Sostituisci la foto" in body
    token = first.context["form"].photo_token_value
    assert token and f'value="{token}"' in body
    assert str(held.uid) not in body.replace(token, "")  # only inside the signed token
    done = confirm(client, link, first)
    assert done.status_code == 302
    reading = Reading.objects.get(source="customer")
    assert reading.photo == held.name and reading.photo_kind == "jpeg"
    assert not PendingPhoto.objects.exists()
    assert private_storage().exists(reading.photo)
    receipt = client.get(done["Location"]).content.decode()
    assert "Apri la foto inviata" in receipt
    # The same form again (a double click) shows the same receipt, not an error.
    again = confirm(client, link, first)
    assert again.status_code == 302 and again["Location"] == done["Location"]
    assert Reading.objects.filter(source="customer").count() == 1


def test_kept_through_two_warnings_and_an_error(client, alice, water, photo_file):
    client.force_login(alice)
    link = water["link"]
    first = warned(client, link, photo_file())
    form = first.context["form"]
    # An error on the next post (the value is now not a number): the photo stays attached.
    again = client.post(
        new_url(link),
        {"value": "abc", "submission": form["submission"].value(),
         "photo_token": form.photo_token_value},
    )  # fmt: skip
    assert again.status_code == 400
    assert "Foto allegata:" in again.content.decode()
    assert PendingPhoto.objects.count() == 1


def test_remove_the_photo_on_the_confirmation_page(client, alice, water, photo_file):
    client.force_login(alice)
    first = warned(client, water["link"], photo_file())
    held = PendingPhoto.objects.get()
    done = confirm(client, water["link"], first, remove_photo="on")
    assert done.status_code == 302
    assert Reading.objects.get(source="customer").photo == ""
    assert not PendingPhoto.objects.exists()
    assert not private_storage().exists(held.name)


def test_replace_the_photo_on_the_confirmation_page(client, alice, water, photo_file):
    client.force_login(alice)
    first = warned(client, water["link"], photo_file())
    held = PendingPhoto.objects.get()
    done = confirm(client, water["link"], first, photo=photo_file(kind="PNG", name="nuova.png"))
    assert done.status_code == 302
    reading = Reading.objects.get(source="customer")
    assert reading.photo and reading.photo != held.name and reading.photo_kind == "png"
    assert not PendingPhoto.objects.exists()
    assert not private_storage().exists(held.name)


def test_another_users_token_is_refused(client, alice, bob, water, photo_file):
    """bob learns alice's token: on his own form (or on hers, with his session) it names
    nothing, and her photo stays hers."""
    client.force_login(alice)
    first = warned(client, water["link"], photo_file())
    token = first.context["form"].photo_token_value
    held = PendingPhoto.objects.get()
    client.force_login(bob)
    bobs_link = LinkFactory(user=bob, contract=ContractFactory())
    MeterFactory(contract=bobs_link.contract)
    response = confirm(client, bobs_link, first)
    assert response.status_code == 400
    assert "La foto allegata non è più disponibile" in response.content.decode()
    assert "Foto allegata:" not in response.content.decode()
    assert not Reading.objects.filter(source="customer").exists()
    assert PendingPhoto.objects.get().pk == held.pk and private_storage().exists(held.name)
    assert token not in response.content.decode()


def test_a_token_for_another_form_or_tampered_is_refused(client, alice, water, photo_file):
    client.force_login(alice)
    first = warned(client, water["link"], photo_file())
    form = first.context["form"]
    token = form.photo_token_value
    held = PendingPhoto.objects.get()
    tampered = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        signing.dumps([alice.pk, str(held.uid), str(uuid.uuid4())], salt=PHOTO_SALT),
        signing.dumps([alice.pk, str(held.uid), form["submission"].value()], salt="other"),
        "not-a-token",
    ]
    for bad in tampered:
        response = client.post(
            new_url(water["link"]),
            {"value": "1900", "submission": form["submission"].value(), "confirm_leak": "on",
             "leak_token": form.leak_token_value, "photo_token": bad},
        )  # fmt: skip
        assert response.status_code == 400, bad
        assert response.context["form"].errors["photo"]
    assert not Reading.objects.filter(source="customer").exists()


def test_an_expired_token_is_refused(client, alice, water, photo_file, monkeypatch):
    client.force_login(alice)
    first = warned(client, water["link"], photo_file())
    import time

    later = time.time() + PHOTO_TOKEN_MAX_AGE + 5
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = confirm(client, water["link"], first)
    assert response.status_code == 400
    assert response.context["form"].errors["photo"]


def test_housekeeping_deletes_held_photos_whose_token_expired(alice, water, photo_file):
    from readings import services

    photo = photo_file()
    old = services.hold_photo(user=alice, photo=photo, photo_kind="jpeg")
    fresh = services.hold_photo(user=alice, photo=photo_file(), photo_kind="jpeg")
    PendingPhoto.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=PHOTO_TOKEN_MAX_AGE + 60)
    )
    call_command("housekeeping", verbosity=0)
    assert list(PendingPhoto.objects.all()) == [fresh]
    assert not private_storage().exists(old.name)
    assert private_storage().exists(fresh.name)


def test_profile_deletion_deletes_held_photos(
    alice, water, photo_file, django_capture_on_commit_callbacks
):
    from readings import services

    held = services.hold_photo(user=alice, photo=photo_file(), photo_kind="jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        services.forget_readings(alice)
    assert not PendingPhoto.objects.exists()
    assert not private_storage().exists(held.name)


def test_a_token_names_only_its_users_photo(alice, bob, water, photo_file):
    from readings import services
    from readings.forms import held_photo

    held = services.hold_photo(user=alice, photo=photo_file(), photo_kind="jpeg")
    key = uuid.uuid4()
    token = photo_token(held, alice, key)
    assert held_photo(token, alice, key) == held
    assert held_photo(token, bob, key) is None
    assert held_photo(token, alice, uuid.uuid4()) is None
    forged = signing.dumps([bob.pk, str(held.uid), str(key)], salt=PHOTO_SALT)
    assert held_photo(forged, bob, key) is None  # signed right, but the photo is alice's


def test_a_customer_holds_only_a_few_photos(alice, water, photo_file):
    from readings import services

    held = [
        services.hold_photo(user=alice, photo=photo_file(), photo_kind="jpeg")
        for _ in range(services.HELD_MAX + 2)
    ]
    kept = set(PendingPhoto.objects.values_list("pk", flat=True))
    assert kept == {h.pk for h in held[-services.HELD_MAX :]}
    assert not private_storage().exists(held[0].name)
