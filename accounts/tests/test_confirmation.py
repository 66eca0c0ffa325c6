import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import AccountEvent, EmailToken
from accounts.services.registration import purge_unconfirmed, purge_unconfirmed_user

from .factories import UserFactory
from .helpers import (
    CF_MARIO_OMOCODIC,
    STRONG_PASSWORD,
    confirmed_user,
    link_in,
    mails,
    person_data,
    the_mail,
)

User = get_user_model()
pytestmark = pytest.mark.usefixtures("captcha_test_mode")


def text_of(response):
    return html.unescape(response.content.decode())


def password_errors(response):
    found = re.search(r'id="id_password1_error">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


@pytest.fixture
def link(client, db):
    """Register Mario and return the path of the link in his welcome mail."""
    client.post("/registrati/", person_data())
    return link_in(the_mail("welcome", to="mario.rossi@example.com"))


@pytest.fixture
def mario_choosing_password(client, link):
    """Mario has followed the link and clicked "Accedi": logged in, no password yet."""
    response = client.post(link)
    assert response.url == "/benvenuto/password/"
    return User.objects.get(username="mario.rossi")


def expire_all_links():
    EmailToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


# --- the link --------------------------------------------------------------------------------


def test_opening_the_link_does_not_use_it(client, link):
    for _ in range(2):  # a mail scanner, then the customer
        response = client.get(link)
        assert response.status_code == 200
        page = text_of(response)
        assert "mario.rossi" in page
        assert ">Accedi<" in page
    token = EmailToken.objects.get()
    assert token.used_at is None
    assert not User.objects.get(username="mario.rossi").is_confirmed
    assert client.get("/profilo/").status_code == 302, "not logged in by a GET"


def test_accedi_confirms_the_address_and_logs_in(client, link):
    response = client.post(link)

    assert response.status_code == 302
    assert response.url == "/benvenuto/password/"
    user = User.objects.get(username="mario.rossi")
    assert user.is_confirmed
    assert EmailToken.objects.get().used_at is not None
    assert AccountEvent.objects.filter(user=user, kind=AccountEvent.Kind.CONFIRMED).exists()
    page = text_of(client.get("/benvenuto/password/"))
    assert "Conferma la password" in page
    assert "Livello di sicurezza della password" in page
    assert "<dd>mario.rossi@example.com</dd>" in page  # shown, not editable here


def test_a_link_works_once(client, link):
    client.post(link)
    client.post("/esci/")

    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 410
        page = text_of(response)
        assert "già stato usato" in page
        assert 'action="/registrati/nuovo-link/"' in page, "offers a new link"
    assert client.get("/profilo/").status_code == 302


def test_a_link_is_valid_for_24_hours(client, link):
    token = EmailToken.objects.get()
    assert abs(token.expires_at - (token.created_at + timedelta(hours=24))) < timedelta(seconds=1)

    EmailToken.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    assert client.get(link).status_code == 200

    expire_all_links()
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 410
        assert "è scaduto" in text_of(response)
    assert not User.objects.get(username="mario.rossi").is_confirmed


def test_a_mangled_link_is_explained(client, link):
    response = client.get(link[:-6] + "/")
    assert response.status_code == 404
    assert "non è valido" in text_of(response)


def test_an_expired_link_can_be_replaced(client, link):
    expire_all_links()
    response = client.post("/registrati/nuovo-link/", {"email": "MARIO.ROSSI@example.com"})
    assert response.status_code == 200

    new_link = link_in(mails("welcome")[-1])
    assert new_link != link
    assert client.get(link).status_code == 410
    assert client.post(new_link).url == "/benvenuto/password/"


def test_asking_a_new_link_says_nothing_about_the_address(client, link):
    confirmed = confirmed_user(username="confermata")
    answers = [
        client.post("/registrati/nuovo-link/", {"email": email})
        for email in ("mario.rossi@example.com", "nessuno@example.com", confirmed.email)
    ]
    assert len({(a.status_code, text_of(a)) for a in answers}) == 1
    assert len(mails("welcome")) == 2, "only the unconfirmed profile gets a new link"


def test_a_new_link_ends_the_old_one(client, link):
    client.post("/registrati/nuovo-link/", {"email": "mario.rossi@example.com"})
    assert client.get(link).status_code == 410


# --- choosing the password -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("corta1!", "troppo corta"),
        ("password1", "troppo comune"),
        ("9382017465", "interamente numerica"),
        ("mario.rossi", "troppo simile"),
        (CF_MARIO_OMOCODIC.lower(), "troppo simile"),
        ("mariorossi1985", "troppo"),
        ("abcdefgh", "troppo debole"),
        ("rossi_mario", "troppo debole"),  # the name, written together
        ("Mario.Rossi.1985", "troppo"),
    ],
)
def test_weak_passwords_are_refused_in_italian(client, mario_choosing_password, password, message):
    response = client.post("/benvenuto/password/", {"password1": password, "password2": password})
    assert response.status_code == 200
    assert message in password_errors(response)
    for field in re.findall(r'<input type="password"[^>]*>', response.content.decode()):
        assert "value=" not in field, "the password is never echoed"
    mario_choosing_password.refresh_from_db()
    assert not mario_choosing_password.has_usable_password()


def test_the_two_passwords_must_match(client, mario_choosing_password):
    response = client.post(
        "/benvenuto/password/", {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD + "x"}
    )
    assert "Le due password non coincidono." in text_of(response)
    mario_choosing_password.refresh_from_db()
    assert not mario_choosing_password.has_usable_password()


def test_salva_shows_that_the_profile_was_created(client, mario_choosing_password):
    response = client.post(
        "/benvenuto/password/",
        {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain == [("/benvenuto/", 302)]
    page = text_of(response)
    assert "Il tuo profilo per accedere all'area Servizi online" in page
    assert "è stato creato" in page
    mario_choosing_password.refresh_from_db()
    assert mario_choosing_password.check_password(STRONG_PASSWORD)
    assert client.get("/profilo/").status_code == 200, "still logged in"
    # Once chosen, the page no longer offers to set it.
    assert client.get("/benvenuto/password/").url == "/profilo/"
    # The session keeps its place in the list, though its key changed with the password.
    assert "questa sessione" in text_of(client.get("/profilo/attivita/"))


def test_a_128_character_password_is_accepted(client, mario_choosing_password):
    words = "acqua fiume pioggia sorgente brenta pozzo torrente lago "
    password = (words * 3)[:128]
    assert len(password) == 128
    response = client.post("/benvenuto/password/", {"password1": password, "password2": password})
    assert response.url == "/benvenuto/"
    mario_choosing_password.refresh_from_db()
    assert mario_choosing_password.check_password(password)


def test_the_whole_guide_flow_ends_with_a_login(client, mario_choosing_password):
    client.post(
        "/benvenuto/password/", {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    )
    client.post("/esci/")
    response = client.post("/accedi/", {"username": "mario.rossi", "password": STRONG_PASSWORD})
    assert response.status_code == 302


# --- profiles never confirmed ----------------------------------------------------------------


def _joined(days_ago, **fields):
    user = UserFactory(**fields)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_ago))
    return user


def test_unconfirmed_profiles_are_purged_after_seven_days(db):
    old = _joined(8, username="vecchio")
    recent = _joined(6, username="recente")
    confirmed = _joined(30, username="confermato", email_confirmed_at=timezone.now())
    staff = _joined(30, username="operatore", is_staff=True)

    assert purge_unconfirmed() == 1

    assert not User.objects.filter(pk=old.pk).exists()
    remaining = set(User.objects.values_list("username", flat=True))
    assert {recent.username, confirmed.username, staff.username} <= remaining


def test_the_scheduled_task_deletes_only_its_own_profile(client, link):
    user = User.objects.get(username="mario.rossi")
    other = _joined(8, username="altro")

    assert purge_unconfirmed_user.call(user.pk) == "kept", "not seven days old yet"
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=7, hours=1))
    assert purge_unconfirmed_user.call(user.pk) == "deleted"

    assert not User.objects.filter(pk=user.pk).exists()
    assert User.objects.filter(pk=other.pk).exists()
    assert client.get(link).status_code == 404, "the link went with the profile"


def test_the_task_keeps_a_profile_confirmed_in_time(client, link):
    client.post(link)
    user = User.objects.get(username="mario.rossi")
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=8))
    assert purge_unconfirmed_user.call(user.pk) == "kept"
    assert User.objects.filter(pk=user.pk).exists()
