"""Data and small steps the accounts tests share: valid identifiers, a filled-in
registration form, the outbox, links in mail, a confirmed customer."""

import re
from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from stdnum import luhn
from stdnum.it import codicefiscale

from core.models import OutboxMessage

from .factories import UserFactory

OMOCODIC_LETTERS = "LMNPQRSTUV"  # replace 0..9 when two people share a codice fiscale
# Positions of the seven digits of a codice fiscale, from the right: omocodia replaces them
# in this order.
CF_DIGIT_POSITIONS = (14, 13, 12, 10, 9, 7, 6)


def with_check_char(first15):
    return first15 + codicefiscale.calc_check_digit(first15)


def omocodic(cf, level):
    """`cf` with its last `level` digits replaced by letters, check character recomputed."""
    chars = list(cf[:15])
    for position in CF_DIGIT_POSITIONS[:level]:
        chars[position] = OMOCODIC_LETTERS[int(chars[position])]
    return with_check_char("".join(chars))


# Mario Rossi, born 10/12/1985 in Asti (A562)
CF_MARIO = with_check_char("RSSMRA85T10A562")
CF_MARIO_OMOCODIC = omocodic(CF_MARIO, 2)
# Alice Rossi, born 12/03/1985 in Padua (G224): the demo persona's code
CF_ALICE = with_check_char("RSSLCA85C52G224")
CF_ALICE_MASKED = "RSS*********224L"


def partita_iva(first10):
    return first10 + luhn.calc_check_digit(first10)


PIVA_ACME = partita_iva("0765432002")  # office 002
PIVA_OTHER = partita_iva("0123456028")

STRONG_PASSWORD = "tramonto-vigna-bicicletta-42"
OTHER_STRONG_PASSWORD = "Lampione verde sul Brenta 1987"
FACTORY_PASSWORD = "Password-di-prova-2026"

CAPTCHA_PASSED = {"captcha_0": "x", "captcha_1": "PASSED"}

REGISTERED_MESSAGE = (
    "Un messaggio di benvenuto con ulteriori informazioni è stato inviato al tuo indirizzo "
    "di posta elettronica."
)
GENERIC_LOGIN_ERROR = "Nome utente o password non corretti. Controlla i dati e riprova."


def future_date(days=730):
    return (timezone.localdate() + timedelta(days=days)).strftime("%d/%m/%Y")


def person_data(**overrides):
    data = {
        "username": "mario.rossi",
        "email": "mario.rossi@example.com",
        "kind": "person",
        "first_name": "Mario",
        "last_name": "Rossi",
        "company_name": "",
        "codice_fiscale": CF_MARIO_OMOCODIC,
        "partita_iva": "",
        "phone_landline": "049 123 4567",
        "phone_mobile": "347 123 4567",
        "document_type": "carta_identita",
        "document_number": "CA12345AB",
        "document_expiry": future_date(),
        "document_issuer": "Comune di Asti",
        "privacy": "on",
        **CAPTCHA_PASSED,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def company_data(**overrides):
    data = person_data(
        username="acme_srl",
        email="amministrazione@acme.example",
        kind="company",
        first_name="",
        last_name="",
        company_name="Acme Depurazioni S.r.l.",
        codice_fiscale="",
        partita_iva=PIVA_ACME,
        phone_mobile="",
        document_type="passaporto",
        document_number="YA1234567",
    )
    data.update(overrides)
    return data


def run_tasks():
    """Run the background tasks that are due, as the worker does (the test settings use the
    database backend: enqueued tasks wait for it). Not `db_worker` itself: it closes the
    database connection, which a test's transaction does not survive on PostgreSQL."""
    while (row := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        row.claim("tests")
        try:
            value = row.task.call(*row.task_result.args, **row.task_result.kwargs)
        except Exception as error:
            row.set_failed(error)
            raise
        row.set_successful(value)


def mails(kind=None, to=None):
    queryset = OutboxMessage.objects.order_by("created_at")
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    if to is not None:
        queryset = queryset.filter(to=to)
    return list(queryset)


def the_mail(kind, to=None):
    found = mails(kind, to)
    assert len(found) == 1, f"expected one {kind!r} mail, found {len(found)}"
    return found[0]


def link_in(message):
    """The path of the portal link in a mail's text (the part after PUBLIC_URL)."""
    found = re.findall(re.escape(settings.PUBLIC_URL) + r"(/\S+)", message.body_text)
    assert found, f"no link in the {message.kind} mail"
    return found[0]


def confirmed_user(**fields):
    """A customer who has confirmed the address and chosen FACTORY_PASSWORD."""
    fields.setdefault("email_confirmed_at", timezone.now())
    return UserFactory(**fields)


def logged_in_client(user, password, **extra):
    """A new browser that logged in through the login page (so the session is tracked)."""
    browser = Client(**extra)
    response = browser.post("/accedi/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return browser


def is_logged_in(browser):
    return browser.get("/profilo/").status_code == 200
