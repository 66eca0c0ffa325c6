import re

from django.urls import reverse

from core.models import OutboxMessage
from pratiche import selectors
from pratiche.models import DeliveryChange

URL = reverse("pratiche:delivery")


def change_url(link):
    return reverse("pratiche:delivery_change", args=[link.uid])


def prefixed(link, **values):
    return {f"c{link.pk}-{k}": v for k, v in values.items()}


def test_page_lists_each_contract(customer_client, link):
    response = customer_client.get(URL)
    assert response.status_code == 200
    assert link.contract.service_code in response.content.decode()
    assert "come indicato in bolletta" in response.content.decode()


def test_on_to_the_profile_address_at_once(customer_client, link):
    response = customer_client.post(
        change_url(link), prefixed(link, by_email="1", address="profile", privacy="on")
    )
    assert response.status_code == 302
    current = selectors.current_delivery(link.contract)
    assert current.by_email
    assert current.email == "lucia@example.com"
    assert current.privacy_version
    assert OutboxMessage.objects.filter(kind="delivery_changed").count() == 1


def test_privacy_consent_required(customer_client, link):
    response = customer_client.post(
        change_url(link), prefixed(link, by_email="1", address="profile")
    )
    assert response.status_code == 400
    assert "serve il consenso" in response.content.decode()
    assert not DeliveryChange.objects.exists()


def test_other_address_confirmed_by_link(client, customer_client, link):
    response = customer_client.post(
        change_url(link),
        prefixed(link, by_email="1", address="other", other_email="studio@example.com",
                 privacy="on"),
    )  # fmt: skip
    assert response.status_code == 302
    assert selectors.current_delivery(link.contract) is None
    message = OutboxMessage.objects.get(kind="delivery_confirm")
    assert message.to == "studio@example.com"
    path = re.search(
        r"https?://[^/]+(/pratiche/invio-documenti/conferma/[^/\s]+/)", message.body_text
    )
    confirm = path.group(1)
    client.logout()
    page = client.get(confirm)
    assert page.status_code == 200
    assert selectors.current_delivery(link.contract) is None  # opening it changes nothing
    client.post(confirm)
    current = selectors.current_delivery(link.contract)
    assert current.email == "studio@example.com"
    assert client.post(confirm).status_code == 410  # once


def test_other_address_missing_keeps_the_choice(customer_client, link):
    response = customer_client.post(
        change_url(link), prefixed(link, by_email="1", address="other", privacy="on")
    )
    assert response.status_code == 400
    assert "Scrivi l&#x27;indirizzo a cui mandare le bollette." in response.content.decode()


def test_off_again(customer_client, link):
    customer_client.post(
        change_url(link), prefixed(link, by_email="1", address="profile", privacy="on")
    )
    customer_client.post(change_url(link), prefixed(link, by_email="0"))
    assert not selectors.current_delivery(link.contract).by_email


def test_bad_token(client, db):
    assert client.get(reverse("pratiche:delivery_confirm", args=["nope"])).status_code == 410


def test_contract_section_shows_the_setting(customer_client, link):
    customer_client.post(
        change_url(link), prefixed(link, by_email="1", address="profile", privacy="on")
    )
    page = customer_client.get(reverse("customers:contract", args=[link.uid]))
    content = page.content.decode()
    assert "Modifica le Impostazioni invio documenti e autorizzazioni" in content
    assert "via e-mail a lucia@example.com" in content


def test_links_to_other_addresses_are_limited(customer_client, link, settings):
    settings.PRATICHE_DELIVERY_CONFIRMATIONS_PER_HOUR = 2
    for n in range(3):
        response = customer_client.post(
            change_url(link),
            prefixed(link, by_email="1", address="other", other_email=f"s{n}@example.com",
                     privacy="on"),
        )  # fmt: skip
    assert response.status_code == 400
    assert "troppe conferme" in response.content.decode()
    assert OutboxMessage.objects.filter(kind="delivery_confirm").count() == 2
    # The profile's own address is never limited.
    response = customer_client.post(
        change_url(link), prefixed(link, by_email="1", address="profile", privacy="on")
    )
    assert response.status_code == 302
