import email
import email.policy
import html
import re
import shutil
from datetime import timedelta

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import AccountEvent, Consent, EmailToken
from core import outbox

from .helpers import (
    CF_ALICE,
    CF_MARIO,
    CF_MARIO_OMOCODIC,
    PIVA_ACME,
    REGISTERED_MESSAGE,
    company_data,
    future_date,
    link_in,
    mails,
    person_data,
    the_mail,
)

User = get_user_model()
pytestmark = pytest.mark.usefixtures("captcha_test_mode")


def text_of(response):
    return html.unescape(response.content.decode())


def error_next_to(response, field):
    """The messages rendered in the field's own error block (forms/field_errors.html)."""
    found = re.search(rf'id="id_{field}_error">(.*?)</div>', response.content.decode(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def page_without_tokens(response):
    """The page as a person reads it: per-request tokens and nonces removed."""
    content = response.content.decode()
    content = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)
    return re.sub(r'nonce="[^"]*"', "", content)


# --- the form --------------------------------------------------------------------------------


def test_the_form_has_every_field_of_the_guide(client, db):
    page = text_of(client.get("/registrati/"))
    for label in (
        "Registrazione utente",
        "Nome utente",
        "Indirizzo e-mail",
        "Nome",
        "Cognome",
        "Ragione sociale",
        "Codice fiscale",
        "Partita IVA",
        "Numero di telefono fisso",
        "Numero di cellulare",
        "Tipo di documento",
        "Numero del documento",
        "Data scadenza documento",
        "esempio: 07/03/2017",
        "Ente emittente documento",
        "Che cosa è scritto nell'immagine?",
        'Digita tutte le 11 cifre, compresi gli "0"',
        "Crea nuovo profilo",
    ):
        assert label in page, label
    for document in ("Carta d'identità", "Passaporto", "Patente di guida", "Permesso di soggiorno"):
        assert document in page
    assert 'href="/privacy/"' in page


@pytest.mark.skipif(
    not (settings.CAPTCHA_FLITE_PATH and shutil.which(settings.CAPTCHA_FLITE_PATH)),
    reason="the audio CAPTCHA needs Debian's flite, not installed here",
)
def test_the_captcha_can_be_listened_to_where_flite_is_installed(client, db):
    assert "/captcha/audio/" in text_of(client.get("/registrati/"))


def test_without_flite_the_captcha_offers_no_broken_audio_link(client, db, monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", None)
    page = text_of(client.get("/registrati/"))
    assert "/captcha/audio/" not in page
    assert "Che cosa è scritto nell'immagine?" in page


def test_news_consent_is_never_pre_ticked(client, db):
    content = client.get("/registrati/").content.decode()
    checkbox = re.search(r"<input[^>]*name=\"news_consent\"[^>]*>", content).group(0)
    assert "checked" not in checkbox
    privacy = re.search(r"<input[^>]*name=\"privacy\"[^>]*>", content).group(0)
    assert "checked" not in privacy


def test_a_logged_in_customer_is_sent_home(client, alice):
    client.force_login(alice)
    assert client.get("/registrati/").url == "/"


# --- success ---------------------------------------------------------------------------------


def test_a_person_with_an_omocodic_codice_fiscale_registers(client, db):
    cf = CF_MARIO_OMOCODIC
    typed = f"{cf[:6]} {cf[6:11]} {cf[11:]}".lower()
    response = client.post("/registrati/", person_data(codice_fiscale=typed), follow=True)

    assert response.redirect_chain == [("/registrati/inviata/", 302)]
    assert REGISTERED_MESSAGE in text_of(response)
    user = User.objects.get(username="mario.rossi")
    assert user.codice_fiscale == CF_MARIO_OMOCODIC
    assert user.kind == User.Kind.PERSON
    assert (user.first_name, user.last_name) == ("Mario", "Rossi")
    assert user.phone_landline == "+390491234567"
    assert user.phone_mobile == "+393471234567"
    assert user.document_type == User.DocumentType.IDENTITY_CARD
    assert user.document_expiry.strftime("%d/%m/%Y") == future_date()
    assert not user.is_confirmed
    assert not user.has_usable_password()
    assert AccountEvent.objects.filter(user=user, kind=AccountEvent.Kind.REGISTERED).exists()

    welcome = the_mail("welcome", to="mario.rossi@example.com")
    assert "mario.rossi" in welcome.body_text
    assert link_in(welcome).startswith("/registrati/conferma/")
    assert EmailToken.objects.get(user=user).purpose == EmailToken.Purpose.CONFIRM


def test_a_company_with_a_partita_iva_registers(client, db):
    data = company_data(partita_iva=f" {PIVA_ACME[:5]} {PIVA_ACME[5:]} ")
    response = client.post("/registrati/", data, follow=True)

    assert REGISTERED_MESSAGE in text_of(response)
    user = User.objects.get(username="acme_srl")
    assert user.kind == User.Kind.COMPANY
    assert user.company_name == "Acme Depurazioni S.r.l."
    assert user.partita_iva == PIVA_ACME
    assert user.codice_fiscale == ""
    assert link_in(the_mail("welcome", to="amministrazione@acme.example"))


def test_a_partita_iva_may_be_typed_with_the_country_code(client, db):
    response = client.post("/registrati/", company_data(partita_iva=f"IT{PIVA_ACME}"))
    assert response.status_code == 302
    assert User.objects.get(username="acme_srl").partita_iva == PIVA_ACME


def test_a_company_may_add_its_numeric_codice_fiscale(client, db):
    client.post("/registrati/", company_data(codice_fiscale=PIVA_ACME))
    assert User.objects.get(username="acme_srl").codice_fiscale == PIVA_ACME


def test_consents_are_stored_with_the_notice_version(client, db):
    client.post("/registrati/", person_data(), REMOTE_ADDR="198.51.100.7")
    user = User.objects.get(username="mario.rossi")
    consents = {c.kind: c for c in Consent.objects.filter(user=user)}
    assert set(consents) == {Consent.Kind.PRIVACY, Consent.Kind.NEWS}
    assert consents[Consent.Kind.PRIVACY].granted is True
    assert consents[Consent.Kind.NEWS].granted is False, "news is opt-in"
    for consent in consents.values():
        assert consent.notice_version == settings.PRIVACY_NOTICE_VERSION
        assert consent.subject == user.uid
        assert consent.ip == "198.51.100.7"


def test_news_consent_when_ticked(client, db):
    client.post("/registrati/", person_data(news_consent="on"))
    consent = Consent.objects.get(user__username="mario.rossi", kind=Consent.Kind.NEWS)
    assert consent.granted is True


def test_the_purge_of_an_unconfirmed_profile_is_scheduled_at_registration(client, db):
    client.post("/registrati/", person_data())
    user = User.objects.get(username="mario.rossi")
    task = DBTaskResult.objects.get(
        task_path="accounts.services.registration.purge_unconfirmed_user"
    )
    assert task.args_kwargs["args"] == [user.pk]
    assert abs(task.run_after - (user.date_joined + timedelta(days=7))) < timedelta(seconds=1)


# --- every invalid field ---------------------------------------------------------------------

INVALID = [
    ("username", {"username": "mario rossi"}, "senza spazi"),
    ("username", {"username": "mario!"}, "senza spazi"),
    ("username", {"username": ""}, "Questo campo è obbligatorio"),
    ("email", {"email": "mario.rossi-at-example.com"}, "indirizzo e-mail valido"),
    ("codice_fiscale", {"codice_fiscale": CF_MARIO[:-1] + "A"}, "non è valido"),
    ("codice_fiscale", {"codice_fiscale": "RSSMRA85T10"}, "16 caratteri"),
    ("codice_fiscale", {"codice_fiscale": ""}, "devono indicare il codice fiscale"),
    ("codice_fiscale", {"codice_fiscale": PIVA_ACME}, "16 caratteri"),
    ("first_name", {"first_name": ""}, "devono indicare il nome"),
    ("last_name", {"last_name": ""}, "devono indicare il cognome"),
    ("partita_iva", {"partita_iva": PIVA_ACME[:-1] + "9"}, "non è valida"),
    ("partita_iva", {"partita_iva": PIVA_ACME[1:]}, "compresi gli"),
    ("phone_landline", {"phone_landline": "347 123 4567"}, "telefono fisso valido"),
    ("phone_mobile", {"phone_mobile": "049 123 4567"}, "cellulare valido"),
    ("document_type", {"document_type": ""}, "Questo campo è obbligatorio"),
    ("document_type", {"document_type": "tessera_del_tifoso"}, "Scegli uno dei valori proposti."),
    ("document_number", {"document_number": ""}, "Questo campo è obbligatorio"),
    ("document_expiry", {"document_expiry": "01/01/2020"}, "Il documento è scaduto"),
    ("document_expiry", {"document_expiry": "31/02/2030"}, "gg/mm/aaaa"),
    ("document_issuer", {"document_issuer": ""}, "Questo campo è obbligatorio"),
    ("privacy", {"privacy": None}, "devi prendere visione dell'informativa"),
    ("captcha", {"captcha_1": "SBAGLIATO"}, "I caratteri non corrispondono"),
]


@pytest.mark.parametrize(
    ("field", "change", "message"), INVALID, ids=[f"{f}-{i}" for i, (f, *_) in enumerate(INVALID)]
)
def test_an_invalid_field_is_explained_next_to_it_and_the_rest_is_kept(
    client, db, field, change, message
):
    data = person_data(**change)
    response = client.post("/registrati/", data)

    assert response.status_code == 200
    assert message in error_next_to(response, field)
    page = text_of(response)
    assert "Alcuni campi non sono corretti" in page
    for kept in ("username", "email", "first_name", "last_name", "document_number"):
        if kept not in change:
            assert f'value="{data[kept]}"' in page, kept
    if "document_issuer" not in change:
        assert 'value="Comune di Asti"' in page
    if "phone_landline" not in change:
        assert 'value="049 123 4567"' in page
    if "document_expiry" not in change:
        assert f'value="{data["document_expiry"]}"' in page
    assert "PASSED" not in page and "SBAGLIATO" not in page, "the CAPTCHA answer is not echoed"
    assert not User.objects.exists()
    assert mails() == []


def test_a_company_without_partita_iva_is_refused(client, db):
    response = client.post("/registrati/", company_data(partita_iva=""))
    assert "Le persone giuridiche devono indicare la partita IVA." in error_next_to(
        response, "partita_iva"
    )
    assert 'value="Acme Depurazioni S.r.l."' in response.content.decode()
    assert not User.objects.exists()


def test_a_company_without_a_name_is_refused(client, db):
    response = client.post("/registrati/", company_data(company_name=""))
    assert "ragione sociale" in error_next_to(response, "company_name")


def test_a_document_expiring_today_is_still_valid(client, db):
    today = timezone.localdate().strftime("%d/%m/%Y")
    response = client.post("/registrati/", person_data(document_expiry=today))
    assert response.status_code == 302


# --- no account enumeration ------------------------------------------------------------------


def _fresh_registration_page(client):
    response = client.post("/registrati/", person_data(username="nuovo", email="nuovo@example.com"))
    page = client.get(response.url)
    return response, page


def test_an_address_already_registered_gives_the_same_page_and_tells_its_owner(
    client, alice, django_user_model
):
    fresh, fresh_page = _fresh_registration_page(client)
    users_before = django_user_model.objects.count()

    data = person_data(username="intruso", email="ALICE.Rossi@example.com", codice_fiscale=CF_ALICE)
    response = client.post("/registrati/", data)
    page = client.get(response.url)

    assert (response.status_code, response.url) == (fresh.status_code, fresh.url)
    assert page.status_code == fresh_page.status_code
    assert page_without_tokens(page) == page_without_tokens(fresh_page)
    assert django_user_model.objects.count() == users_before
    assert not django_user_model.objects.filter(username="intruso").exists()
    notice = the_mail("already_registered", to=alice.email)
    assert "alice" in notice.body_text
    assert mails("welcome", to="ALICE.Rossi@example.com") == []


def test_a_username_already_taken_gives_the_same_page_and_tells_the_registrant(
    client, alice, django_user_model
):
    fresh, fresh_page = _fresh_registration_page(client)
    users_before = django_user_model.objects.count()

    response = client.post("/registrati/", person_data(username="ALICE", email="altra@example.com"))
    page = client.get(response.url)

    assert (response.status_code, response.url) == (fresh.status_code, fresh.url)
    assert page_without_tokens(page) == page_without_tokens(fresh_page)
    assert django_user_model.objects.count() == users_before
    assert django_user_model.objects.get(username__iexact="alice").email == alice.email
    notice = the_mail("username_taken", to="altra@example.com")
    assert "ALICE" in notice.body_text
    assert mails(to=alice.email) == [], "the owner of the username is not bothered"


def test_usernames_and_addresses_are_unique_without_regard_to_case(alice, django_user_model):
    with pytest.raises(IntegrityError), transaction.atomic():
        django_user_model.objects.create(username="Alice", email="other@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        django_user_model.objects.create(username="alice2", email=alice.email.upper())
    # Profiles without an address do not clash with each other.
    django_user_model.objects.create(username="senza1", email="")
    django_user_model.objects.create(username="senza2", email="")


# --- the welcome e-mail over SMTP, the CAPTCHA without test mode ----------------------------


def test_the_welcome_mail_reaches_the_smtp_server_and_its_link_works(client, db, smtp):
    client.post("/registrati/", person_data())
    outbox.deliver_due()

    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["mario.rossi@example.com"]
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    text = received.get_body(preferencelist=("plain",)).get_content()
    path = re.search(re.escape(settings.PUBLIC_URL) + r"(/\S+)", text).group(1)
    assert client.post(path).url == "/benvenuto/password/"


def test_without_test_mode_passed_is_no_answer(client, db, monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    response = client.post("/registrati/", person_data())
    assert "I caratteri non corrispondono" in error_next_to(response, "captcha")
    assert not User.objects.exists()


def test_the_real_captcha_answer_is_accepted_once(client, db, monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    data = person_data(captcha_0=key, captcha_1=answer.lower())
    assert client.post("/registrati/", data).status_code == 302

    again = person_data(
        username="altro", email="altro@example.com", captcha_0=key, captcha_1=answer
    )
    assert "I caratteri non corrispondono" in error_next_to(
        client.post("/registrati/", again), "captcha"
    )
    assert User.objects.count() == 1


# --- the guide's marks and notes, the error summary, the CAPTCHA's new image ----------------


def test_the_kind_dependent_fields_are_marked_as_the_guide_marks_them(client, db):
    content = client.get("/registrati/").content.decode()
    for field, label in (
        ("first_name", "Nome"),
        ("last_name", "Cognome"),
        ("company_name", "Ragione sociale"),
        ("codice_fiscale", "Codice fiscale"),
        ("partita_iva", "Partita IVA"),
    ):
        assert re.search(
            rf'<label for="id_{field}"><span class="sp-required" aria-hidden="true">\*</span> '
            rf"{label}</label>",
            content,
        ), field
    page = html.unescape(content)
    note = "È necessario fornire almeno uno dei seguenti campi: Codice Fiscale / Partita IVA"
    assert page.index(note) < page.index('for="id_codice_fiscale"')
    assert page.index('for="id_partita_iva"') < page.index("Digita tutte le 11 cifre, compresi")
    document_note = "I dati seguenti devono fare riferimento ad un documento valido"
    assert page.index("Documento di identità") < page.index(document_note)
    assert page.index(document_note) < page.index('for="id_document_type"')
    assert 'data-kind="person"' in page and 'data-kind="company"' in page
    assert "js/register.js" in page and "js/captcha.js" in page


def test_the_error_summary_links_each_field_in_error(client, db):
    response = client.post(
        "/registrati/", person_data(email="non-valida", last_name="", privacy=None)
    )
    page = text_of(response)
    summary = re.search(r'<div class="alert[^"]*sp-error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary, "the banner at the top"
    assert 'role="alert"' in page and 'tabindex="-1"' in page
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(1))
    assert ("id_email", "Indirizzo e-mail: Inserisci un indirizzo e-mail valido.") in links
    assert ("id_last_name", "Cognome: Le persone fisiche devono indicare il cognome.") in links
    assert any(target == "id_privacy" for target, _ in links)


def test_the_person_fields_of_a_company_are_not_kept(client, db):
    client.post("/registrati/", company_data(first_name="Mario", last_name="Rossi"))
    company = User.objects.get(username="acme_srl")
    assert (company.first_name, company.last_name) == ("", "")
    assert company.company_name == "Acme Depurazioni S.r.l."


def test_a_new_captcha_image_without_js_keeps_what_was_typed(client, db):
    response = client.post("/registrati/", person_data(refresh_captcha="1", captcha_1="SBAGLIATO"))
    assert response.status_code == 200
    page = text_of(response)
    assert 'value="mario.rossi"' in page
    assert 'value="Comune di Asti"' in page
    assert "SBAGLIATO" not in page
    assert "sp-error-summary" not in page, "a new image is not an error"
    assert not User.objects.exists()


def test_the_captcha_refresh_answers_json_to_the_script(client, db):
    response = client.get("/captcha/refresh/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    data = response.json()
    assert data["key"] and data["image_url"].startswith("/captcha/image/")


def test_the_audio_is_mentioned_only_where_there_is_audio(client, db, monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", None)
    page = text_of(client.get("/registrati/"))
    assert "audio" not in page.lower()
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", "/usr/bin/flite")
    page = text_of(client.get("/registrati/"))
    assert "ascoltali con il link audio" in page
    assert "/captcha/audio/" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "mario@"}, "email", "Inserisci un indirizzo e-mail valido."),
        ({"document_issuer": ""}, "document_issuer", "Questo campo è obbligatorio."),
        ({"document_issuer": "x" * 121}, "document_issuer", "al massimo 120 caratteri"),
        ({"document_type": "tessera"}, "document_type", "Scegli uno dei valori proposti."),
    ],
)
def test_djangos_own_messages_say_it_our_way(client, db, overrides, field, message):
    error = error_next_to(client.post("/registrati/", person_data(**overrides)), field)
    assert message in error
    assert error.strip().endswith(".")
    assert "email" not in error.replace("e-mail", "")
