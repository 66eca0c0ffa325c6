import pytest
from django.test import override_settings

from conftest import login_verified
from core import mail, outbox


@pytest.fixture
def message(db):
    message = mail.send_test_message(to="mario.rossi@example.com")
    outbox.deliver_due()
    return message


def test_mailbox_is_hidden_from_anonymous_visitors_and_customers(client, alice, message):
    assert client.get("/posta/").status_code == 404
    assert client.get(f"/posta/{message.pk}/").status_code == 404
    client.force_login(alice)
    assert client.get("/posta/").status_code == 404
    assert client.get(f"/posta/{message.pk}/").status_code == 404


def test_staff_read_the_mailbox(client, charlie, message):
    login_verified(client, charlie)
    html = client.get("/posta/").content.decode()
    assert "mario.rossi@example.com" in html
    assert "Messaggio di prova" in html
    detail = client.get(f"/posta/{message.pk}/").content.decode()
    assert "la posta in uscita funziona" in detail


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
