import pytest
from django.core import checks
from django.test import Client, override_settings

from conftest import login_verified
from core import mail, outbox
from core.models import OutboxMessage


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture
def message(db):
    message = mail.send_test_message(to="mario.rossi@example.com")
    outbox.deliver_due()
    return message


@pytest.fixture
def reset_message(alice):
    from accounts import mail as accounts_mail

    return accounts_mail.send_password_reset(
        user=alice, link="http://testserver/password/nuova/SEGRETO/"
    )


def test_mailbox_is_hidden_from_anonymous_visitors_and_customers(client, alice, message):
    for path in ("/posta/", f"/posta/{message.pk}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accedi/")
    client.force_login(alice)
    assert client.get("/posta/").status_code == 404
    assert client.get(f"/posta/{message.pk}/").status_code == 404


def test_staff_without_the_permission_do_not_see_it(client, message):
    from accounts.tests.factories import staff_member

    login_verified(client, staff_member("Operatore pratiche", username="paolo"))
    assert client.get("/posta/").status_code == 404
    assert client.get(f"/posta/{message.pk}/").status_code == 404


def test_the_operator_reads_the_mailbox(client, charlie, message):
    login_verified(client, charlie)
    html = client.get("/posta/").content.decode()
    assert "mario.rossi@example.com" in html
    assert "Messaggio di prova" in html
    detail = client.get(f"/posta/{message.pk}/").content.decode()
    assert "la posta in uscita funziona" in detail


def test_the_body_of_a_message_with_a_token_is_never_shown(client, charlie, reset_message):
    login_verified(client, charlie)
    html = client.get(f"/posta/{reset_message.pk}/").content.decode()
    assert "SEGRETO" not in html
    assert reset_message.subject in html
    assert "link personale e monouso" in html


@pytest.mark.parametrize(
    "kind", ["welcome", "password_reset", "email_change_confirm", "staff_invitation"]
)
def test_every_kind_with_a_token_is_hidden(kind):
    from core.views import show_message_body

    assert not show_message_body(OutboxMessage(kind=kind))
    assert show_message_body(OutboxMessage(kind="test_message"))


@override_settings(DEBUG=True)
def test_with_debug_on_developers_read_token_mail_too(client, reset_message):
    assert "SEGRETO" in client.get(f"/posta/{reset_message.pk}/").content.decode()


def test_mailbox_filters_by_state(client, charlie, message):
    login_verified(client, charlie)
    assert "mario.rossi@example.com" in client.get("/posta/?stato=sent").content.decode()
    assert "mario.rossi@example.com" not in client.get("/posta/?stato=dead").content.decode()


@override_settings(DEBUG=True)
def test_with_debug_on_developers_read_it_without_logging_in(client, message):
    assert client.get("/posta/").status_code == 200


def test_mailbox_list_query_count_does_not_grow(client, charlie):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login_verified(client, charlie)

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/posta/").status_code == 200
        return len(captured)

    mail.send_test_message(to="cliente@example.com")
    queries_for_page()  # the first page of a session also records its "last seen"
    one = queries_for_page()
    for i in range(30):
        mail.send_test_message(to=f"cliente{i}@example.com")
    assert queries_for_page() == one


def _deploy_errors():
    from core.checks import mail_leaves_the_server

    return [e.id for e in mail_leaves_the_server(None) if e.level >= checks.ERROR]


def test_deploy_check_refuses_https_without_a_mail_server(settings):
    settings.PUBLIC_URL = "https://sportello.example.it"
    settings.EMAIL_URL = ""
    assert _deploy_errors() == ["sportello.E001"]
    settings.EMAIL_URL = "smtp+tls://user:pw@smtp.example.it:587"
    assert _deploy_errors() == []
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    settings.EMAIL_URL = ""
    assert _deploy_errors() == []


def test_check_deploy_command_fails(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.PUBLIC_URL = "https://sportello.example.it"
    settings.EMAIL_URL = ""
    with pytest.raises(SystemCheckError, match="sportello.E001"):
        call_command("check", deploy=True, tags=["security"])


def test_an_operator_does_not_read_staff_members_mail(client, charlie, diana, alice):
    """A warning about a staff member's login or their authenticator reset is for those who
    manage staff: an operator sees customers' mail only."""
    from accounts import mail as accounts_mail

    to_staff = accounts_mail.send_two_factor_reset(user=diana)
    to_customer = mail.send_test_message(to=alice.email)
    outbox.deliver_due()
    login_verified(client, charlie)
    listing = client.get("/posta/").content.decode()
    assert diana.email not in listing and alice.email in listing
    assert client.get(f"/posta/{to_staff.pk}/").status_code == 404
    assert client.get(f"/posta/{to_customer.pk}/").status_code == 200

    administrator = Client()
    login_verified(administrator, diana)
    assert administrator.get(f"/posta/{to_staff.pk}/").status_code == 200
