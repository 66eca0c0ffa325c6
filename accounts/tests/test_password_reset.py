import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts import staff
from accounts.models import AccountEvent, EmailToken, UserSession

from .factories import UserFactory
from .helpers import (
    OTHER_STRONG_PASSWORD,
    STRONG_PASSWORD,
    is_logged_in,
    link_in,
    logged_in_client,
    mails,
    run_tasks,
    the_mail,
)

User = get_user_model()
ALICE_PASSWORD = "Alice-demo-2026!"


def text_of(response):
    return html.unescape(response.content.decode())


def ask(browser, identifier):
    """Ask for a link, and let the worker run the task that sends it."""
    response = browser.post("/password/recupero/", {"identifier": identifier})
    run_tasks()
    return response


def new_password(browser, link, password=STRONG_PASSWORD):
    return browser.post(link, {"password1": password, "password2": password})


@pytest.fixture
def reset_link(client, alice):
    ask(client, "alice")
    return link_in(the_mail("password_reset", to=alice.email))


def test_the_page_asks_for_username_or_email(client, db):
    page = text_of(client.get("/password/recupero/"))
    assert "Richiedi nuova password" in page
    assert "Nome utente o indirizzo e-mail" in page


def test_the_same_answer_whether_or_not_the_profile_exists(client, alice):
    answers = []
    for identifier in ("alice", "ALICE.ROSSI@example.com", "nessuno", "nessuno@example.com"):
        response = ask(client, identifier)
        page = client.get(response.url)
        answers.append((response.status_code, response.url, page.status_code, text_of(page)))
    assert len(set(answers)) == 1
    assert answers[0][1] == "/password/recupero/inviata/"
    assert "Se il nome utente o l'indirizzo corrisponde a un profilo" in answers[0][3]

    # What differs goes by e-mail, to the address's owner only.
    assert len(mails("password_reset", to=alice.email)) == 2
    assert mails("password_reset_unknown", to="nessuno@example.com") != []
    assert mails(to="nessuno") == []
    assert len(mails()) == 3


def tables_touched(queries):
    return [re.findall(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', q["sql"]) for q in queries]


def test_the_page_does_the_same_work_whether_or_not_the_profile_exists(client, alice):
    """The lookup, the link and the mail wait for the worker: the request only queues the
    task, so an existing profile does not answer measurably later than an unknown name."""
    work = []
    for identifier in ("alice", "nessuno", alice.email, "nessuno@example.com"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/password/recupero/", {"identifier": identifier})
        assert response.url == "/password/recupero/inviata/"
        work.append(tables_touched(queries.captured_queries))
    assert work[0] == work[1] == work[2] == work[3]
    touched = {table for query in work[0] for table in query}
    assert not touched & {"accounts_user", "accounts_emailtoken", "core_outboxmessage"}
    assert mails() == [], "nothing is sent before the worker runs"
    assert (
        DBTaskResult.objects.filter(
            task_path="accounts.services.recovery.send_password_reset"
        ).count()
        == 4
    )

    run_tasks()
    assert len(mails("password_reset", to=alice.email)) == 2
    assert len(mails("password_reset_unknown", to="nessuno@example.com")) == 1
    assert len(mails()) == 3


def test_an_overlong_identifier_is_refused_before_any_lookup(client, db):
    response = client.post("/password/recupero/", {"identifier": "a" * 50_001})
    assert response.status_code == 200
    assert "al massimo 254 caratteri" in text_of(response)
    assert not DBTaskResult.objects.exists()


def test_the_link_is_valid_for_an_hour(client, reset_link):
    token = EmailToken.objects.get(purpose=EmailToken.Purpose.RESET)
    assert abs(token.expires_at - token.created_at - timedelta(hours=1)) < timedelta(seconds=1)

    EmailToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for response in (client.get(reset_link), new_password(client, reset_link)):
        assert response.status_code == 410
        assert "è scaduto" in text_of(response)
    assert User.objects.get(username="alice").check_password(ALICE_PASSWORD)


def test_the_link_works_once(client, alice, reset_link):
    assert client.get(reset_link).status_code == 200, "opening it does not use it"
    assert client.get(reset_link).status_code == 200

    response = new_password(client, reset_link)
    assert response.url == "/accedi/"
    assert "Accedi con la nuova password" in text_of(client.get("/accedi/"))

    response = new_password(client, reset_link, OTHER_STRONG_PASSWORD)
    assert response.status_code == 410
    assert "già stato usato" in text_of(response)
    alice.refresh_from_db()
    assert alice.check_password(STRONG_PASSWORD)
    assert not alice.check_password(OTHER_STRONG_PASSWORD)


def test_a_new_request_ends_the_previous_link(client, alice, reset_link):
    ask(client, "alice")
    assert client.get(reset_link).status_code == 410
    assert client.get(link_in(mails("password_reset")[-1])).status_code == 200


def test_the_new_password_follows_the_same_rules(client, alice, reset_link):
    response = new_password(client, reset_link, "alice.rossi")
    assert response.status_code == 200
    assert "troppo" in text_of(response)
    assert EmailToken.objects.get(purpose=EmailToken.Purpose.RESET).used_at is None
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)


def test_a_reset_ends_every_session_and_tells_the_customer(alice):
    laptop = logged_in_client(alice, ALICE_PASSWORD)
    phone = logged_in_client(alice, ALICE_PASSWORD, HTTP_USER_AGENT="Mozilla/5.0 (Android)")
    keys = list(UserSession.objects.filter(user=alice).values_list("session_key", flat=True))
    assert len(keys) == 2

    browser = Client()
    ask(browser, "alice.rossi@example.com")
    new_password(browser, link_in(the_mail("password_reset")))

    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)
    assert not Session.objects.filter(session_key__in=keys).exists(), "ended on the server"
    assert not UserSession.objects.filter(user=alice).exists()
    notice = the_mail("password_changed", to=alice.email)
    assert "alice" in notice.body_text
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.PASSWORD_RESET).exists()
    assert logged_in_client(alice, STRONG_PASSWORD)
    login = browser.post("/accedi/", {"username": "alice", "password": ALICE_PASSWORD})
    assert login.status_code == 200, "the old password no longer works"


def test_a_reset_logs_out_whoever_used_the_link_while_logged_in(client, alice, bob):
    client.force_login(bob)
    ask(client, "alice")
    new_password(client, link_in(the_mail("password_reset")))
    assert not is_logged_in(client)


def test_a_reset_confirms_an_unconfirmed_address(client, db):
    user = UserFactory(username="ritardatario", password=None)
    assert not user.is_confirmed
    ask(client, user.email)
    response = new_password(client, link_in(the_mail("password_reset", to=user.email)))
    assert response.url == "/accedi/"
    user.refresh_from_db()
    assert user.is_confirmed
    assert user.check_password(STRONG_PASSWORD)


def test_a_blocked_profile_gets_no_link(client, alice, charlie):
    staff.block_user(user=alice, actor=charlie, reason="prova")
    for identifier in ("alice", alice.email):
        assert ask(client, identifier).url == "/password/recupero/inviata/"
    assert mails("password_reset") == []


def test_a_link_issued_before_a_block_stops_working(client, alice, charlie, reset_link):
    staff.block_user(user=alice, actor=charlie, reason="prova")
    response = new_password(client, reset_link)
    assert response.status_code == 410
    alice.refresh_from_db()
    assert not alice.check_password(STRONG_PASSWORD)


def test_the_reset_mail_carries_nothing_but_the_link(client, alice, reset_link):
    message = the_mail("password_reset")
    assert re.search(r"/password/nuova/[\w-]{40,}/", message.body_text)
    assert ALICE_PASSWORD not in message.body_text
