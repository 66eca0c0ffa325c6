from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**data):
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_a_saved_session_reads_back():
    key = _saved(colour="blu", n=3)
    store = SessionStore(key)
    assert store["colour"] == "blu" and store["n"] == 3
    assert store.session_key == key


def test_an_expired_session_is_no_session():
    key = _saved(colour="blu")
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    store = SessionStore(key)
    assert "colour" not in store
    assert store.session_key is None  # a new key is made on save, never the old one


@pytest.mark.parametrize("key", ["nonexistent-key-0123456789abcdef", "short", "", None])
def test_an_unknown_or_malformed_key_is_no_session(key):
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_a_deleted_session_is_gone_at_once():
    key = _saved(colour="blu")
    SessionStore(key).delete()
    assert SessionStore(key).load() == {}


def test_each_request_gets_its_own_copy_of_a_decoded_session():
    key = _saved(colour="blu", n=3)
    first = SessionStore(key)
    first["colour"] = "rosso"  # changed in one request, not saved
    second = SessionStore(key)
    assert second["colour"] == "blu"


def test_a_session_changed_elsewhere_is_read_as_changed():
    key = _saved(colour="blu")
    assert SessionStore(key)["colour"] == "blu"
    other = SessionStore(key)
    other["colour"] = "verde"
    other.save()
    assert SessionStore(key)["colour"] == "verde"


def test_a_session_holding_a_list_is_decoded_each_time():
    from core import sessions

    key = _saved(items=["a"])
    data = Session.objects.get(session_key=key).session_data
    first = SessionStore(key)
    first["items"].append("b")
    assert SessionStore(key)["items"] == ["a"]
    assert data not in sessions._DECODED


def test_a_tampered_session_is_empty_and_not_kept():
    from core import sessions

    key = _saved(colour="blu")
    row = Session.objects.get(session_key=key)
    tampered = row.session_data[:-2] + ("AA" if not row.session_data.endswith("AA") else "BB")
    Session.objects.filter(session_key=key).update(session_data=tampered)
    assert "colour" not in SessionStore(key)
    assert tampered not in sessions._DECODED


def test_a_new_secret_key_forgets_what_was_decoded(settings):
    key = _saved(colour="blu")
    assert SessionStore(key)["colour"] == "blu"
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert "colour" not in SessionStore(key)  # signed with the old key: no session


# --- the session and its user in one statement --------------------------------------------


def _statements(client, url="/profilo/"):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries]


def _user_reads(statements):
    from django.contrib.auth import get_user_model

    table = get_user_model()._meta.db_table
    return [s for s in statements if table in s and "django_session" not in s]


def test_once_the_sessions_user_is_known_one_statement_reads_both(client, alice):
    client.force_login(alice)
    _, first = _statements(client)
    assert len(_user_reads(first)) >= 1  # first request in this process: learnt
    response, second = _statements(client)
    assert "Alice Rossi" in response.content.decode()
    joined = [s for s in second if "django_session" in s and "JOIN" in s]
    assert len(joined) == 1
    assert not [s for s in _user_reads(second) if s.lstrip().upper().startswith("SELECT")]


def test_the_user_row_read_with_the_session_is_the_current_one(client, alice):
    from django.contrib.auth import get_user_model

    client.force_login(alice)
    client.get("/profilo/")
    get_user_model().objects.filter(pk=alice.pk).update(first_name="Alicia")
    assert "Alicia Rossi" in client.get("/profilo/").content.decode()
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    response = client.get("/profilo/")
    assert response.status_code == 302 and "/accedi/" in response["Location"]


def test_a_deleted_user_is_no_user_even_when_read_with_the_session(client, db):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    client.get("/profilo/")
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=user.pk).delete()
    assert client.get("/profilo/").status_code == 302


def test_a_session_that_names_another_user_gets_that_user_not_the_row_read_along(
    client, alice, bob
):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    client.force_login(alice)
    client.get("/profilo/")  # the process now reads alice's row with this session
    key = client.cookies["sessionid"].value
    store = SessionStore(key)
    store[SESSION_KEY] = str(bob.pk)
    store[HASH_SESSION_KEY] = bob.get_session_auth_hash()
    store[BACKEND_SESSION_KEY] = store[BACKEND_SESSION_KEY]
    store.save()
    html = client.get("/profilo/").content.decode()
    assert bob.display_name in html and "Alice Rossi" not in html


def test_the_row_read_along_is_used_once_and_only_by_its_request(alice):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from core import sessions

    key = _saved(
        **{
            SESSION_KEY: str(alice.pk),
            BACKEND_SESSION_KEY: "accounts.backends.UsernameOrEmailBackend",
            HASH_SESSION_KEY: alice.get_session_auth_hash(),
        }
    )
    SessionStore(key).load()  # learns the user
    SessionStore(key).load()  # reads both
    found, user = sessions.take_prefetched_user(alice.pk)
    assert found and user.pk == alice.pk and user.username == alice.username
    assert sessions.take_prefetched_user(alice.pk) == (False, None)
    store = SessionStore(key)
    store.load()
    SessionStore()  # another request's store: nothing held from the one before
    assert sessions.take_prefetched_user(alice.pk) == (False, None)
